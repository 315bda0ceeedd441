// Site profiles: per registrable domain, how many documents contain each normalized line.
//
// Two passes (DESIGN.md, "Across documents"): `profile` counts (map), `merge` adds counts
// (reduce; associative and commutative, bounded memory), and `clean --site-profile` drops the
// lines a site repeats on many of its pages (apply). The file format is in
// docs/profile-format.md.
//
// Line identity everywhere is HashBytes(NormalizeLine(line)) of a non-blank line whose
// normalized form is not empty; a line counts once per document.
#ifndef BOILERSTRIP_SITE_PROFILE_H_
#define BOILERSTRIP_SITE_PROFILE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "boilerstrip/status.h"

namespace boilerstrip {

// Maps a URL to its site: the registrable domain of its host under the Public Suffix List
// (libpsl). Immutable once created: const methods may be called concurrently.
class SiteNamer {
 public:
  // `psl_file`: a public_suffix_list.dat to load; empty = psl_latest(NULL) (the newer of the
  // system list and libpsl's built-in one). Every stage of a run must use the same list.
  static Result<std::shared_ptr<const SiteNamer>> Create(const std::string& psl_file = "");
  ~SiteNamer();

  // Writes the site of `url` to *site and returns true; returns false when the URL has no
  // usable host: no scheme://host, an empty host, a host that is itself a public suffix, or a
  // reserved name (.invalid, .example, .test, .localhost, localhost). IP addresses are their
  // own site. The host is lower-cased (ASCII) first; a trailing dot is ignored.
  bool SiteOf(std::string_view url, std::string* site) const;

 private:
  SiteNamer() = default;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The decision thresholds: a line is site-repeated when its site has at least
// `min_site_docs` documents and the line occurs in at least 2 of them and in at least
// `min_line_share` of them or at least `min_line_docs` of them.
struct SiteOptions {
  // Sites with fewer documents are never touched. Must be ≥ 1. Default: 5.
  uint32_t min_site_docs = 5;
  // Fraction of the site's documents, in (0, 1]. Default: 0.5.
  double min_line_share = 0.5;
  // Absolute document count that suffices on big sites whatever the share (menus and footers
  // of multi-template sites sit under 50%); 0 = off. Default: 100 (docs/cluster.md: on the
  // realweb pages pooled as one 1,091-page site, lines on 20+ pages hold < 0.05% of the
  // content; 100 leaves a 5x margin).
  uint32_t min_line_docs = 100;
  // Public Suffix List file; empty = psl_latest(NULL). Default: "".
  std::string psl_file;

  // Run error when out of range.
  Status Validate() const;
  // min_line_share in millionths, the integer form every decision uses.
  uint32_t share_ppm() const;
};

// True when a line in `line_docs` of a site's `site_docs` documents is site-repeated.
// The one decision function: clean and `merge --final` both call it.
bool IsSiteRepeated(const SiteOptions& options, uint64_t site_docs, uint64_t line_docs);

// Header facts of a profile file.
struct ProfileInfo {
  uint32_t version = 0;
  bool final = false;
  // When final: the thresholds entries were pruned with.
  uint32_t min_site_docs = 0;
  uint32_t share_ppm = 0;
  uint32_t min_line_docs = 0;
  uint64_t sites = 0;
  uint64_t entries = 0;
  uint64_t docs = 0;
  uint64_t file_bytes = 0;
};

// Sequential reader of a profile file: sites in increasing byte order of name, each site's
// entries in increasing hash order. Verifies magic, version and (at the end) the checksum;
// every error names the file. Use from one thread.
class ProfileReader {
 public:
  static Result<std::unique_ptr<ProfileReader>> Open(const std::string& path);
  ~ProfileReader();
  const ProfileInfo& info() const { return info_; }
  const std::string& path() const { return path_; }

  // Advances to the next site. Returns false at the end (after the trailer and checksum
  // were verified; check status()). The previous site's entries need not have been read.
  bool NextSite();
  std::string_view site() const { return site_; }
  uint64_t site_docs() const { return site_docs_; }
  // Next entry of the current site; false after its last one.
  bool NextEntry(uint64_t* hash, uint64_t* docs);
  // OK unless the file is corrupt, truncated or unreadable.
  const Status& status() const { return status_; }

 private:
  ProfileReader() = default;
  bool Fill();
  bool ReadByte(uint8_t* b);
  bool ReadVarint(uint64_t* v);
  bool ReadBytes(size_t n, std::string* out);
  bool Corrupt(const std::string& what);

  std::string path_;
  int fd_ = -1;
  std::vector<char> buf_;
  size_t pos_ = 0, len_ = 0;
  uint64_t offset_ = 0;  // file offset of buf_[0]
  ProfileInfo info_;
  std::string site_;
  uint64_t site_docs_ = 0;
  bool in_site_ = false;
  bool done_ = false;
  uint64_t prev_hash_ = 0;
  bool first_entry_ = true;
  uint64_t seen_sites_ = 0, seen_entries_ = 0, seen_docs_ = 0;
  Status status_;
};

// Streaming writer of a profile file: to a unique temporary beside `path`, renamed to `path`
// by Finish() (a device or FIFO at `path` is written in place).
// Sites must come in strictly increasing byte order of name, entries in strictly increasing
// hash order with docs ≥ 1. Use from one thread.
class ProfileWriter {
 public:
  // `final_options`: when set, the header records the thresholds the entries were pruned with.
  static Result<std::unique_ptr<ProfileWriter>> Create(const std::string& path,
                                                       const SiteOptions* final_options);
  ~ProfileWriter();  // removes the temporary file unless Finish() succeeded
  ProfileWriter(const ProfileWriter&) = delete;
  ProfileWriter& operator=(const ProfileWriter&) = delete;
  void BeginSite(std::string_view site, uint64_t docs);
  void Add(uint64_t hash, uint64_t docs);
  void EndSite();
  // Writes the trailer, syncs, renames. Returns a shard-scope error naming the file.
  Status Finish(ProfileInfo* info = nullptr);

 private:
  ProfileWriter() = default;
  void Put(const void* p, size_t n);
  void PutVarint(uint64_t v);
  void Flush();

  struct Out;  // the file and the running checksum of its bytes
  std::string path_;
  std::unique_ptr<Out> out_;
  std::string buf_;
  Status error_;
  ProfileInfo info_;
  uint64_t prev_hash_ = 0;
  bool first_entry_ = true;
  std::string last_site_;
  bool finished_ = false;
};

// Merges profiles (sums document counts per site and per line) into `output` with a k-way
// merge: memory is one read buffer per input, whatever the sizes. With `final_options`, drops
// the sites and lines that cannot be site-repeated under those thresholds (IsSiteRepeated)
// and marks the output final; a final profile cannot be merged again. The output is the same
// bytes for any order or grouping of the inputs.
Status MergeProfiles(const std::vector<std::string>& inputs, const std::string& output,
                     const SiteOptions* final_options, ProfileInfo* info = nullptr);

// The apply side: the site-repeated lines of every site, frozen for lookups. Immutable once
// loaded: const methods may be called concurrently.
class SiteProfile {
 public:
  // Reads `path` and keeps the lines that pass IsSiteRepeated under `options`. A final
  // profile pruned with looser thresholds than `options` asks for is a run error.
  static Result<std::shared_ptr<const SiteProfile>> Load(const std::string& path,
                                                         const SiteOptions& options);

  // The site's repeated lines, or nullptr when the site has none. The pointer lives as long as
  // the SiteProfile.
  struct Lines {
    std::vector<uint64_t> hashes;  // sorted
  };
  const Lines* Find(std::string_view site) const;
  static bool Contains(const Lines& lines, uint64_t hash);

  const SiteNamer& namer() const { return *namer_; }
  const SiteOptions& options() const { return options_; }
  const ProfileInfo& info() const { return info_; }
  size_t repeated_lines() const { return repeated_lines_; }

 private:
  SiteProfile() = default;
  SiteOptions options_;
  ProfileInfo info_;
  std::shared_ptr<const SiteNamer> namer_;
  std::unordered_map<std::string, Lines> sites_;
  size_t repeated_lines_ = 0;
};

// The map pass over shards.
struct ProfileOptions {
  // Shards: .jsonl / .jsonl.zst files or directories, as for clean; sorted, then split
  // files[rank :: world_size].
  std::vector<std::string> inputs;
  // The profile file to write (through PATH.tmp). An existing one is kept unless `force`.
  std::string output;
  bool force = false;
  // JSON field of the text. Default: "text".
  std::string text_field = "text";
  // JSON field of the URL; a dotted path reaches into objects ("metadata.url"). Default: "url".
  std::string url_field = "url";
  // Public Suffix List file; empty = psl_latest(NULL). Default: "".
  std::string psl_file;
  // Worker threads, 0 = all cores. Default: 0.
  int threads = 0;
  size_t rank = 0;
  size_t world_size = 1;
  // Counting memory; past it the counts are spilled as a sorted run beside the output and the
  // runs are k-way merged at the end. Default: 1 GiB.
  size_t memory_bytes = size_t{1} << 30;
  // Records longer than this are skipped (and counted). Default: 256 MiB.
  size_t max_record_bytes = size_t{256} << 20;
  // 0 quiet, 1 errors, 2 a line per shard. Default: 1.
  int verbosity = 1;
};

struct ProfileReport {
  uint64_t shards = 0;
  bool skipped = false;       // the output existed
  uint64_t records_in = 0;
  uint64_t records_profiled = 0;  // with a usable site and a text
  uint64_t records_no_site = 0;   // no URL field, or no usable site in it
  uint64_t records_bad = 0;       // invalid JSON, bad text field, too long
  uint64_t lines = 0;             // distinct normalized lines per document, summed
  uint64_t bytes_in = 0;          // uncompressed
  uint64_t spills = 0;
  ProfileInfo out;
  double seconds = 0;
};

// Runs the map pass. Errors are run-scope (bad options) or shard-scope (an unreadable or
// corrupt shard: the profile is not written, since a partial count would skew every later
// decision).
Result<ProfileReport> RunProfile(const ProfileOptions& options);

// For `inspect --text`: finds, in the records of `shards` whose site (SiteNamer of the URL at
// the dotted `url_field`) is `site`, the first line whose normalized hash is each key of
// *texts (keys preset; values filled with the line as written, left empty when not found).
// Records are read and validated as `clean` and `profile` read them; bad records are skipped.
// Stops reading once every key is found. A shard that cannot be read is a kShard error naming
// it.
Status FindSiteLineTexts(const std::vector<std::string>& shards, const std::string& site,
                         const std::string& url_field, const std::string& text_field,
                         const SiteNamer& namer, std::unordered_map<uint64_t, std::string>* texts);

}  // namespace boilerstrip

#endif  // BOILERSTRIP_SITE_PROFILE_H_
