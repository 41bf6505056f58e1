// The URL functions of the HTTP client (host/httpclient/url.hpp) on any
// text: the part before the first newline as a URL, the part after it as an
// application's base_url; the whole text also as a raw query and as bytes.
//
// - percent_decode(percent_encode(x)) == x (either '+' rule), and the encoding
//   holds only unreserved characters and %XX;
// - parse_query(build_query(p)) == p for any parameters (made from the bytes,
//   so names and values hold '&', '=', '+', '%'), and build_query of a parsed
//   query is a fixed point;
// - rewrite_query hands its callback the names parse_query finds, in order;
//   keeping every part keeps the parameters, dropping some drops just those;
// - an accepted URL is http(s) with a lower-case host, a port in 1..65535 or
//   0, a path starting with '/' and no '?' or '#' in its parts; its text()
//   parses back to itself (a default port spelled out reads as 0);
// - is_within(url, base) is the textual rule "url's base() is base's base()
//   without trailing slashes, or continues it at a '/'"; every base is within
//   itself, a child path is within, a sibling ("/v3x" next to "/v3") is not;
// - redacted() keeps the parameters' names and order and every value but
//   those of the named secrets and oauth_*/consumer_*, which read REDACTED
//   (a part written without '=' has no value to hide).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_check.hpp"
#include "httpclient/url.hpp"

namespace {

using weir::httpclient::Params;
using weir::httpclient::Url;
namespace hc = weir::httpclient;

bool is_unreserved(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

bool is_upper_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F'); }

void check_encoding(std::string_view bytes) {
  const std::string encoded = hc::percent_encode(bytes);
  for (std::size_t i = 0; i < encoded.size(); ++i) {
    if (encoded[i] == '%') {
      WEIR_FUZZ_CHECK(
          i + 2 < encoded.size() && is_upper_hex(encoded[i + 1]) && is_upper_hex(encoded[i + 2]),
          "a '%' not followed by two upper-case hex digits");
      i += 2;
    } else {
      WEIR_FUZZ_CHECK(is_unreserved(encoded[i]), "an encoding that keeps a reserved character");
    }
  }
  WEIR_FUZZ_CHECK(hc::percent_decode(encoded, false) == bytes, "decode(encode(x)) != x");
  WEIR_FUZZ_CHECK(hc::percent_decode(encoded, true) == bytes, "form decode(encode(x)) != x");
  WEIR_FUZZ_CHECK(hc::percent_decode(bytes, true).size() <= bytes.size(),
                  "decoding made the text longer");
  if (bytes.find('%') == std::string_view::npos) {
    WEIR_FUZZ_CHECK(hc::percent_decode(bytes, false) == bytes, "decoding changed text without '%'");
  }
}

// Parameters made of the bytes themselves: lines alternate name and value.
Params params_from(std::string_view bytes) {
  Params out;
  std::size_t start = 0;
  std::optional<std::string> name;
  while (start <= bytes.size()) {
    auto nl = bytes.find('\n', start);
    if (nl == std::string_view::npos) nl = bytes.size();
    std::string line(bytes.substr(start, nl - start));
    if (name) {
      out.emplace_back(std::move(*name), std::move(line));
      name.reset();
    } else {
      name = std::move(line);
    }
    start = nl + 1;
  }
  if (name) out.emplace_back(std::move(*name), "");
  return out;
}

// The parts of a query as written, in order (empty parts skipped), by an
// independent split.
std::vector<std::string> parts_of(std::string_view query) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (start <= query.size()) {
    auto amp = query.find('&', start);
    if (amp == std::string_view::npos) amp = query.size();
    if (amp > start) parts.emplace_back(query.substr(start, amp - start));
    start = amp + 1;
  }
  return parts;
}

void check_query(std::string_view query) {
  const Params parsed = hc::parse_query(query);
  WEIR_FUZZ_CHECK(parsed.size() == parts_of(query).size(), "a parameter per non-empty part");
  const std::string built = hc::build_query(parsed);
  WEIR_FUZZ_CHECK(hc::parse_query(built) == parsed, "parse(build(parse(q))) != parse(q)");
  WEIR_FUZZ_CHECK(hc::build_query(hc::parse_query(built)) == built,
                  "build(parse(q)) is not a fixed point");

  std::vector<std::string> names;
  const std::string kept =
      hc::rewrite_query(query, [&](const std::string& name, const std::string& part) {
        names.push_back(name);
        return std::optional<std::string>(part);
      });
  WEIR_FUZZ_CHECK(names.size() == parsed.size(), "rewrite_query saw other parts than parse_query");
  for (std::size_t i = 0; i < names.size(); ++i) {
    WEIR_FUZZ_CHECK(names[i] == parsed[i].first, "rewrite_query named a part otherwise");
  }
  WEIR_FUZZ_CHECK(hc::parse_query(kept) == parsed, "keeping every part changed the parameters");
  WEIR_FUZZ_CHECK(kept.empty() || (kept.front() != '&' && kept.back() != '&' &&
                                   kept.find("&&") == std::string::npos),
                  "a rewritten query with an empty part");
  WEIR_FUZZ_CHECK(
      hc::rewrite_query(query, [](const std::string&,
                                  const std::string&) { return std::optional<std::string>(); })
          .empty(),
      "dropping every part left something");

  // Drop every other distinct name (the first one seen, the third, ...).
  std::vector<std::string> distinct;
  std::set<std::string> seen;
  for (const auto& p : parsed) {
    if (seen.insert(p.first).second) distinct.push_back(p.first);
  }
  std::vector<std::string> dropped;
  for (std::size_t i = 0; i < distinct.size(); i += 2) dropped.push_back(distinct[i]);
  std::sort(dropped.begin(), dropped.end());
  dropped.erase(std::unique(dropped.begin(), dropped.end()), dropped.end());
  auto is_dropped = [&](const std::string& name) {
    return std::binary_search(dropped.begin(), dropped.end(), name);
  };
  Params expected;
  for (const auto& p : parsed) {
    if (!is_dropped(p.first)) expected.push_back(p);
  }
  const std::string filtered =
      hc::rewrite_query(query, [&](const std::string& name, const std::string& part) {
        return is_dropped(name) ? std::nullopt : std::optional<std::string>(part);
      });
  WEIR_FUZZ_CHECK(hc::parse_query(filtered) == expected, "dropping some names dropped others");
}

void check_params(const Params& params) {
  const std::string built = hc::build_query(params);
  WEIR_FUZZ_CHECK(hc::parse_query(built) == params, "parse_query(build_query(p)) != p");
}

int effective_port(const Url& u) { return u.port ? u.port : (u.scheme == "https" ? 443 : 80); }

bool same_url(const Url& a, const Url& b) {
  return a.scheme == b.scheme && a.host == b.host && effective_port(a) == effective_port(b) &&
         a.path == b.path && a.query == b.query;
}

void check_url(const Url& u) {
  WEIR_FUZZ_CHECK(u.scheme == "http" || u.scheme == "https", "a scheme other than http(s)");
  WEIR_FUZZ_CHECK(!u.host.empty(), "a URL without a host");
  WEIR_FUZZ_CHECK(std::none_of(u.host.begin(), u.host.end(),
                               [](char c) { return (c >= 'A' && c <= 'Z') || c == '@'; }),
                  "a host with upper case or '@'");
  WEIR_FUZZ_CHECK(u.host.find_first_of("/?#") == std::string::npos, "a host holding '/', '?', '#'");
  WEIR_FUZZ_CHECK(u.port == 0 || (u.port >= 1 && u.port <= 65535), "a port out of range");
  WEIR_FUZZ_CHECK(!u.path.empty() && u.path[0] == '/', "a path not starting with '/'");
  WEIR_FUZZ_CHECK(u.path.find_first_of("?#") == std::string::npos, "a path holding '?' or '#'");
  WEIR_FUZZ_CHECK(u.query.find('#') == std::string::npos, "a query holding '#'");
  const auto again = hc::parse_url(u.text());
  WEIR_FUZZ_CHECK(again.has_value(), "the text of a parsed URL does not parse");
  WEIR_FUZZ_CHECK(same_url(*again, u), "the text of a parsed URL parses to another URL");
  WEIR_FUZZ_CHECK(again->text() == u.text(), "text() is not stable");
}

// "scheme://host[:port]/path" without the path's trailing slashes.
std::string root_of(const Url& base) {
  std::string root = base.base();
  while (!root.empty() && root.back() == '/') root.pop_back();
  return root;
}

void check_within(const Url& url, const Url& base) {
  const std::string root = root_of(base);
  const std::string at = url.base();
  const bool textual = at == root || at.rfind(root + "/", 0) == 0;
  WEIR_FUZZ_CHECK(hc::is_within(url, base) == textual, "is_within disagrees with the textual rule");
  WEIR_FUZZ_CHECK(hc::is_within(base, base), "a base is not within itself");
  const auto child = hc::parse_url(root + "/child?x=1");
  WEIR_FUZZ_CHECK(child && hc::is_within(*child, base), "a child path is not within its base");
  const auto sibling = hc::parse_url(root + "x");
  WEIR_FUZZ_CHECK(!sibling || !hc::is_within(*sibling, base), "a sibling path is within the base");
}

bool always_secret(const std::string& name) {
  return name.rfind("oauth_", 0) == 0 || name.rfind("consumer_", 0) == 0;
}

void check_redacted(const Url& u) {
  const Params params = hc::parse_query(u.query);
  // The secrets: every other name of the query, and one that may be absent.
  std::vector<std::string> secrets = {"token"};
  for (std::size_t i = 0; i < params.size(); i += 2) secrets.push_back(params[i].first);
  auto secret = [&](const std::string& name) {
    return always_secret(name) || std::find(secrets.begin(), secrets.end(), name) != secrets.end();
  };
  const std::string shown = hc::redacted(u, secrets);
  if (u.query.empty()) {
    WEIR_FUZZ_CHECK(shown == u.text(), "a URL without a query changed");
    return;
  }
  const auto back = hc::parse_url(shown);
  WEIR_FUZZ_CHECK(back.has_value(), "a redacted URL does not parse");
  WEIR_FUZZ_CHECK(back->base() == u.base(), "redaction changed the URL before the query");
  const Params after = hc::parse_query(back->query);
  const std::vector<std::string> parts = parts_of(u.query);
  WEIR_FUZZ_CHECK(after.size() == params.size() && parts.size() == params.size(),
                  "redaction changed the number of parameters");
  const std::vector<std::string> shown_parts = parts_of(back->query);
  for (std::size_t i = 0; i < params.size(); ++i) {
    WEIR_FUZZ_CHECK(after[i].first == params[i].first, "redaction changed a name");
    if (!secret(params[i].first)) {
      WEIR_FUZZ_CHECK(after[i].second == params[i].second, "redaction changed a value it keeps");
      continue;
    }
    const auto eq = parts[i].find('=');
    if (eq == std::string::npos) {
      WEIR_FUZZ_CHECK(after[i].second.empty(), "redaction gave a value to a part without one");
    } else {
      WEIR_FUZZ_CHECK(shown_parts[i] == parts[i].substr(0, eq) + "=REDACTED",
                      "a secret's value was not replaced by REDACTED");
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  check_encoding(text);
  check_query(text);
  check_params(params_from(text));

  const auto nl = text.find('\n');
  const std::string_view url_text = text.substr(0, nl);
  const auto url = hc::parse_url(url_text);
  if (!url) return 0;
  check_url(*url);
  check_query(url->query);
  check_redacted(*url);
  check_within(*url, *url);
  if (nl == std::string_view::npos) return 0;
  const auto base = hc::parse_url(text.substr(nl + 1));
  if (base) {
    check_url(*base);
    check_within(*url, *base);
  }
  return 0;
}
