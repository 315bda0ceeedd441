// The profile file (docs/profile-format.md): streaming writer and reader, k-way merge, and
// the frozen lookup table the cleaner uses.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <queue>

#include "boilerstrip/site_profile.h"
#include "io/atomic_file.h"
#include "io/io.h"
#include "boilerstrip/text.h"

namespace boilerstrip {
namespace {

constexpr char kMagic[8] = {'\x89', 'B', 'S', 'P', 'R', 'O', 'F', '\n'};
constexpr uint32_t kVersion = 1;
// Which line identity the hashes are: 1 = HashBytes(NormalizeLine(line)) as in text.h today.
constexpr uint32_t kLineHashId = 1;
constexpr size_t kHeaderBytes = 32;
constexpr size_t kTrailerBytes = 32;  // sites, entries, docs, checksum
constexpr uint32_t kFlagFinal = 1;
constexpr size_t kChunk = 64 << 10;

void PutU32(char* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<char>(v >> (8 * i));
}
void PutU64(char* p, uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<char>(v >> (8 * i));
}
uint32_t GetU32(const char* p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= uint32_t{static_cast<uint8_t>(p[i])} << (8 * i);
  return v;
}
uint64_t GetU64(const char* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= uint64_t{static_cast<uint8_t>(p[i])} << (8 * i);
  return v;
}

// Checksum of a byte stream: HashBytes of each 64 KiB chunk (fixed by stream offset, so the
// I/O buffer sizes do not matter), chained in order.
class Checksum {
 public:
  void Update(const char* p, size_t n) {
    while (n > 0) {
      size_t take = std::min(n, kChunk - chunk_.size());
      chunk_.append(p, take);
      p += take;
      n -= take;
      if (chunk_.size() == kChunk) Fold();
    }
  }
  uint64_t Final() {
    if (!chunk_.empty()) Fold();
    return value_;
  }

 private:
  void Fold() {
    value_ = (((value_ << 23) | (value_ >> 41)) ^ HashBytes(chunk_)) * 0x9E3779B97F4A7C15ull;
    chunk_.clear();
  }
  uint64_t value_ = 0x5350524F46ull;
  std::string chunk_;
};

}  // namespace

// ---------------------------------------------------------------------------------- writer

struct ProfileWriter::Out {
  std::unique_ptr<io::AtomicFile> file;
  Checksum sum;  // of every byte written, in order
  uint64_t bytes = 0;
};

Result<std::unique_ptr<ProfileWriter>> ProfileWriter::Create(const std::string& path,
                                                             const SiteOptions* final_options) {
  std::unique_ptr<ProfileWriter> w(new ProfileWriter());
  w->path_ = path;
  auto file = io::AtomicFile::Open(path);
  if (!file.ok()) return file.status();
  w->out_ = std::make_unique<Out>();
  w->out_->file = std::move(file.value());
  w->info_.version = kVersion;
  char h[kHeaderBytes];
  std::memcpy(h, kMagic, 8);
  PutU32(h + 8, kVersion);
  PutU32(h + 12, final_options ? kFlagFinal : 0);
  PutU32(h + 16, final_options ? final_options->min_site_docs : 0);
  PutU32(h + 20, final_options ? final_options->share_ppm() : 0);
  PutU32(h + 24, final_options ? final_options->min_line_docs : 0);
  PutU32(h + 28, kLineHashId);
  if (final_options) {
    w->info_.final = true;
    w->info_.min_site_docs = final_options->min_site_docs;
    w->info_.share_ppm = final_options->share_ppm();
    w->info_.min_line_docs = final_options->min_line_docs;
  }
  w->Put(h, sizeof h);
  return w;
}

ProfileWriter::~ProfileWriter() = default;  // an unfinished file is aborted

void ProfileWriter::Put(const void* p, size_t n) {
  buf_.append(static_cast<const char*>(p), n);
  if (buf_.size() >= (1 << 20)) Flush();
}

void ProfileWriter::PutVarint(uint64_t v) {
  char b[10];
  size_t n = 0;
  while (v >= 0x80) {
    b[n++] = static_cast<char>(v | 0x80);
    v >>= 7;
  }
  b[n++] = static_cast<char>(v);
  Put(b, n);
}

void ProfileWriter::Flush() {
  if (error_.ok() && !buf_.empty()) {
    out_->sum.Update(buf_.data(), buf_.size());
    out_->bytes += buf_.size();
    error_ = out_->file->Append(buf_);
  }
  buf_.clear();
}

void ProfileWriter::BeginSite(std::string_view site, uint64_t docs) {
  // REQUIRES (checked by the callers' construction): non-empty, strictly increasing names.
  PutVarint(site.size());
  Put(site.data(), site.size());
  PutVarint(docs);
  ++info_.sites;
  info_.docs += docs;
  first_entry_ = true;
  last_site_.assign(site);
}

void ProfileWriter::Add(uint64_t hash, uint64_t docs) {
  PutVarint(docs);
  PutVarint(first_entry_ ? hash : hash - prev_hash_);
  prev_hash_ = hash;
  first_entry_ = false;
  ++info_.entries;
}

void ProfileWriter::EndSite() { PutVarint(0); }

Status ProfileWriter::Finish(ProfileInfo* info) {
  PutVarint(0);  // no more sites
  char t[24];
  PutU64(t, info_.sites);
  PutU64(t + 8, info_.entries);
  PutU64(t + 16, info_.docs);
  Put(t, sizeof t);
  Flush();
  // The checksum covers everything before it, in stream order (chunked by offset, so the
  // buffer sizes do not matter).
  char c[8];
  PutU64(c, out_->sum.Final());
  Put(c, 8);
  Flush();
  const uint64_t bytes = out_->bytes;
  if (error_.ok()) error_ = out_->file->Commit();
  out_->file.reset();
  if (!error_.ok()) {
    return Status::ShardError(path_ + ": cannot write profile: " + error_.message());
  }
  finished_ = true;
  info_.file_bytes = bytes;
  if (info) *info = info_;
  return Status::Ok();
}

// ---------------------------------------------------------------------------------- reader

Result<std::unique_ptr<ProfileReader>> ProfileReader::Open(const std::string& path) {
  std::unique_ptr<ProfileReader> r(new ProfileReader());
  r->path_ = path;
  r->fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (r->fd_ < 0) return Status::RunError(path + ": cannot open profile: " + std::strerror(errno));
  struct stat st;
  if (::fstat(r->fd_, &st) != 0) return Status::RunError(path + ": " + std::strerror(errno));
  r->info_.file_bytes = static_cast<uint64_t>(st.st_size);
  if (r->info_.file_bytes < kHeaderBytes + 1 + kTrailerBytes) {
    return Status::RunError(path + ": not a boilerstrip profile (too short)");
  }
  r->buf_.resize(256 << 10);  // per input of a merge: thousands may be open at once
  std::string h;
  if (!r->ReadBytes(kHeaderBytes, &h) || std::memcmp(h.data(), kMagic, 8) != 0) {
    return Status::RunError(path + ": not a boilerstrip profile (bad magic)");
  }
  r->info_.version = GetU32(h.data() + 8);
  if (r->info_.version != kVersion) {
    return Status::RunError(path + ": profile format version " +
                            std::to_string(r->info_.version) + ", this build reads " +
                            std::to_string(kVersion));
  }
  uint32_t flags = GetU32(h.data() + 12);
  r->info_.final = (flags & kFlagFinal) != 0;
  r->info_.min_site_docs = GetU32(h.data() + 16);
  r->info_.share_ppm = GetU32(h.data() + 20);
  r->info_.min_line_docs = GetU32(h.data() + 24);
  if (GetU32(h.data() + 28) != kLineHashId) {
    return Status::RunError(path + ": profile made with another line hash (id " +
                            std::to_string(GetU32(h.data() + 28)) + ")");
  }
  // The trailer's totals, read ahead so that info() is complete before the first site.
  char t[24];
  if (::pread(r->fd_, t, sizeof t, st.st_size - kTrailerBytes) != sizeof t) {
    return Status::RunError(path + ": cannot read the trailer");
  }
  r->info_.sites = GetU64(t);
  r->info_.entries = GetU64(t + 8);
  r->info_.docs = GetU64(t + 16);
  return r;
}

ProfileReader::~ProfileReader() {
  if (fd_ >= 0) ::close(fd_);
}

bool ProfileReader::Corrupt(const std::string& what) {
  if (status_.ok()) {
    status_ = Status::RunError(path_ + ": corrupt profile near byte " +
                               std::to_string(offset_ + pos_) + ": " + what);
  }
  done_ = true;
  return false;
}

bool ProfileReader::Fill() {
  if (!status_.ok()) return false;
  offset_ += len_;
  len_ = pos_ = 0;
  for (;;) {
    ssize_t r = ::read(fd_, buf_.data(), buf_.size());
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) {
      status_ = Status::RunError(path_ + ": read error: " + std::strerror(errno));
      return false;
    }
    len_ = static_cast<size_t>(r);
    break;
  }
  return len_ > 0;
}

bool ProfileReader::ReadByte(uint8_t* b) {
  if (pos_ == len_ && !Fill()) return Corrupt("unexpected end of file");
  *b = static_cast<uint8_t>(buf_[pos_++]);
  return true;
}

bool ProfileReader::ReadVarint(uint64_t* v) {
  uint64_t x = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    uint8_t b = 0;
    if (!ReadByte(&b)) return false;
    x |= uint64_t{b & 0x7Fu} << shift;
    if ((b & 0x80) == 0) {
      *v = x;
      return true;
    }
  }
  return Corrupt("varint too long");
}

bool ProfileReader::ReadBytes(size_t n, std::string* out) {
  out->clear();
  while (out->size() < n) {
    if (pos_ == len_ && !Fill()) return Corrupt("unexpected end of file");
    size_t take = std::min(n - out->size(), len_ - pos_);
    out->append(buf_.data() + pos_, take);
    pos_ += take;
  }
  return true;
}

bool ProfileReader::NextSite() {
  if (done_) return false;
  if (in_site_) {
    uint64_t h = 0, d = 0;
    while (NextEntry(&h, &d)) {
    }
    if (done_) return false;
  }
  uint64_t name_len;
  if (!ReadVarint(&name_len)) return false;
  if (name_len == 0) {
    // Trailer: totals must match what was read, then the checksum over everything before it.
    std::string t;
    if (!ReadBytes(24, &t)) return false;
    if (GetU64(t.data()) != seen_sites_ || GetU64(t.data() + 8) != seen_entries_ ||
        GetU64(t.data() + 16) != seen_docs_) {
      return Corrupt("trailer totals do not match the body");
    }
    uint64_t body_end = offset_ + pos_;
    std::string c;
    if (!ReadBytes(8, &c)) return false;
    if (offset_ + pos_ != info_.file_bytes) return Corrupt("bytes after the trailer");
    Checksum sum;
    std::vector<char> b(1 << 20);
    uint64_t off = 0;
    while (off < body_end) {
      size_t want = static_cast<size_t>(std::min<uint64_t>(b.size(), body_end - off));
      ssize_t r = ::pread(fd_, b.data(), want, static_cast<off_t>(off));
      if (r <= 0) return Corrupt("cannot re-read for the checksum");
      sum.Update(b.data(), static_cast<size_t>(r));
      off += static_cast<uint64_t>(r);
    }
    if (sum.Final() != GetU64(c.data())) return Corrupt("checksum mismatch");
    done_ = true;
    return false;
  }
  if (name_len > 4096) return Corrupt("site name too long");
  std::string name;
  if (!ReadBytes(name_len, &name)) return false;
  if (seen_sites_ > 0 && !(site_ < name)) return Corrupt("sites out of order");
  site_ = std::move(name);
  if (!ReadVarint(&site_docs_)) return false;
  ++seen_sites_;
  seen_docs_ += site_docs_;
  in_site_ = true;
  first_entry_ = true;
  return true;
}

bool ProfileReader::NextEntry(uint64_t* hash, uint64_t* docs) {
  if (!in_site_ || done_) return false;
  uint64_t count;
  if (!ReadVarint(&count)) return false;
  if (count == 0) {
    in_site_ = false;
    return false;
  }
  uint64_t delta;
  if (!ReadVarint(&delta)) return false;
  if (!first_entry_ && (delta == 0 || prev_hash_ + delta < prev_hash_)) {
    return Corrupt("line hashes out of order");
  }
  if (count > site_docs_) return Corrupt("a line in more documents than its site has");
  prev_hash_ = first_entry_ ? delta : prev_hash_ + delta;
  first_entry_ = false;
  ++seen_entries_;
  *hash = prev_hash_;
  *docs = count;
  return true;
}

// ----------------------------------------------------------------------------------- merge

Status MergeProfiles(const std::vector<std::string>& inputs, const std::string& output,
                     const SiteOptions* final_options, ProfileInfo* info) {
  if (inputs.empty()) return Status::RunError("merge: no input profile");
  if (final_options) {
    if (Status s = final_options->Validate(); !s.ok()) return s;
  }
  std::vector<std::unique_ptr<ProfileReader>> readers;
  for (const std::string& in : inputs) {
    auto r = ProfileReader::Open(in);
    if (!r.ok()) return r.status();
    if (r.value()->info().final) {
      return Status::RunError(in + ": a final profile (pruned) cannot be merged again");
    }
    readers.push_back(std::move(r.value()));
  }
  auto writer = ProfileWriter::Create(output, final_options);
  if (!writer.ok()) return writer.status();
  ProfileWriter& w = *writer.value();

  const size_t k = readers.size();
  std::vector<bool> live(k);
  for (size_t i = 0; i < k; ++i) {
    live[i] = readers[i]->NextSite();
    if (!readers[i]->status().ok()) return readers[i]->status();
  }
  std::vector<size_t> group;
  using Head = std::pair<uint64_t, size_t>;  // (hash, reader)
  std::priority_queue<Head, std::vector<Head>, std::greater<Head>> heap;
  std::vector<uint64_t> head_docs(k);
  for (;;) {
    // The smallest site name among the live readers, and which readers hold it.
    group.clear();
    for (size_t i = 0; i < k; ++i) {
      if (!live[i]) continue;
      std::string_view s = readers[i]->site();
      if (group.empty() || s < readers[group[0]]->site()) {
        group.assign(1, i);
      } else if (s == readers[group[0]]->site()) {
        group.push_back(i);
      }
    }
    if (group.empty()) break;
    if (io::InterruptRequested()) return Status::RunError("interrupted; temporary files removed");
    std::string site(readers[group[0]]->site());
    uint64_t docs = 0;
    for (size_t i : group) docs += readers[i]->site_docs();
    const bool skip_site = final_options && docs < final_options->min_site_docs;
    bool begun = false;
    auto begin = [&] {
      if (!begun) w.BeginSite(site, docs);
      begun = true;
    };
    if (!final_options) begin();  // a count-only profile keeps every site it saw
    for (size_t i : group) {
      uint64_t h = 0, d = 0;
      if (readers[i]->NextEntry(&h, &d)) {
        head_docs[i] = d;
        heap.push({h, i});
      }
    }
    while (!heap.empty()) {
      uint64_t h = heap.top().first;
      uint64_t sum = 0;
      while (!heap.empty() && heap.top().first == h) {
        size_t i = heap.top().second;
        heap.pop();
        sum += head_docs[i];
        uint64_t nh = 0, nd = 0;
        if (readers[i]->NextEntry(&nh, &nd)) {
          if (nh <= h) return Status::RunError(readers[i]->path() + ": line hashes out of order");
          head_docs[i] = nd;
          heap.push({nh, i});
        }
      }
      if (!skip_site && (!final_options || IsSiteRepeated(*final_options, docs, sum))) {
        begin();
        w.Add(h, sum);
      }
    }
    if (begun) w.EndSite();
    for (size_t i : group) {
      if (!readers[i]->status().ok()) return readers[i]->status();
      live[i] = readers[i]->NextSite();
      if (!readers[i]->status().ok()) return readers[i]->status();
    }
  }
  return w.Finish(info);
}

// ------------------------------------------------------------------------------ SiteProfile

Result<std::shared_ptr<const SiteProfile>> SiteProfile::Load(const std::string& path,
                                                             const SiteOptions& options) {
  if (Status s = options.Validate(); !s.ok()) return s;
  auto reader = ProfileReader::Open(path);
  if (!reader.ok()) return reader.status();
  ProfileReader& r = *reader.value();
  const ProfileInfo& pi = r.info();
  if (pi.final) {
    // Pruned entries are lost: the asked thresholds must not reach below the pruning ones.
    auto off_is_max = [](uint32_t v) { return v == 0 ? UINT32_MAX : v; };
    if (options.min_site_docs < pi.min_site_docs || options.share_ppm() < pi.share_ppm ||
        off_is_max(options.min_line_docs) < off_is_max(pi.min_line_docs)) {
      return Status::RunError(
          path + ": final profile was pruned for --min-site-docs " +
          std::to_string(pi.min_site_docs) + " --min-line-share " +
          std::to_string(pi.share_ppm / 1e6) + " --min-line-docs " +
          std::to_string(pi.min_line_docs) +
          "; clean with thresholds at least as strict, or use the unpruned profile");
    }
  }
  std::shared_ptr<SiteProfile> p(new SiteProfile());
  p->options_ = options;
  p->info_ = pi;
  auto namer = SiteNamer::Create(options.psl_file);
  if (!namer.ok()) return namer.status();
  p->namer_ = std::move(namer.value());
  std::vector<uint64_t> hashes;
  while (r.NextSite()) {
    if (r.site_docs() < options.min_site_docs) continue;
    hashes.clear();
    uint64_t h = 0, d = 0;
    while (r.NextEntry(&h, &d)) {
      if (IsSiteRepeated(options, r.site_docs(), d)) hashes.push_back(h);
    }
    if (hashes.empty()) continue;
    p->repeated_lines_ += hashes.size();
    p->sites_[std::string(r.site())].hashes = hashes;  // already sorted
  }
  if (!r.status().ok()) return r.status();
  return std::shared_ptr<const SiteProfile>(std::move(p));
}

const SiteProfile::Lines* SiteProfile::Find(std::string_view site) const {
  // Heterogeneous lookup needs C++20 transparent hashing; one short copy per document is fine.
  auto it = sites_.find(std::string(site));
  return it == sites_.end() ? nullptr : &it->second;
}

bool SiteProfile::Contains(const Lines& lines, uint64_t hash) {
  return std::binary_search(lines.hashes.begin(), lines.hashes.end(), hash);
}

}  // namespace boilerstrip
