// SiteNamer: URL → host → registrable domain (libpsl), plus the threshold decision.
#include <libpsl.h>

#include <cmath>
#include <cstring>

#include "boilerstrip/site_profile.h"

namespace boilerstrip {

struct SiteNamer::Impl {
  psl_ctx_t* psl = nullptr;
  bool owned = false;
  ~Impl() {
    if (owned && psl != nullptr) psl_free(psl);
  }
};

Result<std::shared_ptr<const SiteNamer>> SiteNamer::Create(const std::string& psl_file) {
  std::shared_ptr<SiteNamer> namer(new SiteNamer());
  namer->impl_ = std::make_unique<Impl>();
  if (psl_file.empty()) {
    // The newer of the distribution's list and the built-in one. psl_latest returns a context
    // the caller frees.
    namer->impl_->psl = psl_latest(nullptr);
    namer->impl_->owned = true;
    if (namer->impl_->psl == nullptr) {
      // psl_builtin() is static and never freed.
      namer->impl_->psl = const_cast<psl_ctx_t*>(psl_builtin());
      namer->impl_->owned = false;
    }
    if (namer->impl_->psl == nullptr) {
      return Status::RunError("no Public Suffix List: install the publicsuffix package or pass --psl FILE");
    }
  } else {
    namer->impl_->psl = psl_load_file(psl_file.c_str());
    namer->impl_->owned = true;
    if (namer->impl_->psl == nullptr) {
      return Status::RunError(psl_file + ": cannot load the Public Suffix List");
    }
  }
  return std::shared_ptr<const SiteNamer>(std::move(namer));
}

SiteNamer::~SiteNamer() = default;

namespace {

bool EndsWithLabel(std::string_view host, std::string_view tld) {
  if (host == tld) return true;
  return host.size() > tld.size() && host.substr(host.size() - tld.size()) == tld &&
         host[host.size() - tld.size() - 1] == '.';
}

bool IsIpv4(std::string_view host) {
  int dots = 0;
  for (char c : host) {
    if (c == '.') ++dots;
    else if (c < '0' || c > '9') return false;
  }
  return dots == 3;
}

}  // namespace

bool SiteNamer::SiteOf(std::string_view url, std::string* site) const {
  // scheme "://" authority; the authority ends at the first / ? #.
  size_t colon = url.find("://");
  if (colon == std::string_view::npos || colon == 0 || colon > 16) return false;
  std::string_view rest = url.substr(colon + 3);
  size_t end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, end);
  if (size_t at = authority.rfind('@'); at != std::string_view::npos) {
    authority.remove_prefix(at + 1);
  }
  std::string_view host = authority;
  if (!host.empty() && host[0] == '[') {  // IPv6 literal: its own site
    size_t close = host.find(']');
    if (close == std::string_view::npos || close == 1) return false;
    site->assign(host.substr(0, close + 1));
    return true;
  }
  if (size_t port = host.find(':'); port != std::string_view::npos) host = host.substr(0, port);
  while (!host.empty() && host.back() == '.') host.remove_suffix(1);
  if (host.empty() || host.size() > 253) return false;
  std::string lower(host);
  for (char& c : lower) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    // Bytes no host can hold: whitespace, controls, quotes, backslash.
    if (static_cast<unsigned char>(c) <= ' ' || c == '"' || c == '\\' || c == '<' || c == '>') {
      return false;
    }
  }
  if (IsIpv4(lower)) {
    *site = std::move(lower);
    return true;
  }
  // RFC 2606 / 6761 reserved names: placeholders, never a real site.
  for (std::string_view tld : {"invalid", "example", "test", "localhost", "local"}) {
    if (EndsWithLabel(lower, tld)) return false;
  }
  const char* reg = psl_registrable_domain(impl_->psl, lower.c_str());
  if (reg == nullptr || *reg == '\0') return false;
  // The result points into `lower`.
  site->assign(reg);
  return true;
}

Status SiteOptions::Validate() const {
  if (min_site_docs < 1) return Status::RunError("--min-site-docs must be at least 1");
  if (!(min_line_share > 0.0 && min_line_share <= 1.0)) {
    return Status::RunError("--min-line-share must be in (0, 1]");
  }
  return Status::Ok();
}

uint32_t SiteOptions::share_ppm() const {
  return static_cast<uint32_t>(std::llround(min_line_share * 1e6));
}

bool IsSiteRepeated(const SiteOptions& options, uint64_t site_docs, uint64_t line_docs) {
  if (site_docs < options.min_site_docs || line_docs < 2) return false;
  // Integer arithmetic so that every machine decides alike.
  if (line_docs * uint64_t{1000000} >= uint64_t{options.share_ppm()} * site_docs) return true;
  return options.min_line_docs != 0 && line_docs >= options.min_line_docs;
}

}  // namespace boilerstrip
