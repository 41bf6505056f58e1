#include "httpclient/url.hpp"

#include <algorithm>
#include <cctype>

namespace weir::httpclient {
namespace {

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

int default_port(const std::string& scheme) { return scheme == "https" ? 443 : 80; }

}  // namespace

std::string Url::base() const {
  std::string out = scheme + "://" + host;
  if (port != 0 && port != default_port(scheme)) out += ":" + std::to_string(port);
  return out + path;
}

std::string Url::text() const { return query.empty() ? base() : base() + "?" + query; }

std::optional<Url> parse_url(std::string_view text) {
  Url u;
  const auto colon = text.find("://");
  if (colon == std::string_view::npos) return std::nullopt;
  u.scheme = lower(std::string(text.substr(0, colon)));
  if (u.scheme != "http" && u.scheme != "https") return std::nullopt;
  std::string_view rest = text.substr(colon + 3);
  if (auto hash = rest.find('#'); hash != std::string_view::npos) rest = rest.substr(0, hash);
  const auto path_at = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, path_at);
  rest = path_at == std::string_view::npos ? std::string_view() : rest.substr(path_at);
  if (authority.find('@') != std::string_view::npos) return std::nullopt;  // no user:pass@
  // host [":" port]; an IPv6 host is bracketed ("[::1]:8080"), any other
  // holds no ':' (found by the fuzzer: "a:b:80" came back as host "a:b",
  // whose text did not parse again).
  std::string_view port;
  if (!authority.empty() && authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    const std::string_view inside = authority.substr(1, close - 1);
    if (inside.empty() || !std::all_of(inside.begin(), inside.end(), [](char c) {
          return std::isxdigit(static_cast<unsigned char>(c)) || c == ':' || c == '.';
        })) {
      return std::nullopt;
    }
    const std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return std::nullopt;
      port = after.substr(1);
      if (port.empty()) return std::nullopt;
    }
    authority = authority.substr(0, close + 1);
  } else {
    if (const auto c = authority.find(':'); c != std::string_view::npos) {
      port = authority.substr(c + 1);
      if (port.empty()) return std::nullopt;
      authority = authority.substr(0, c);
    }
    // A registered name: RFC 3986 unreserved, sub-delims and %-escapes; no
    // space, control byte, ':' or anything curl would read otherwise.
    const bool name_ok = std::all_of(authority.begin(), authority.end(), [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) ||
             std::string_view("-._~%!$&'()*+,;=").find(c) != std::string_view::npos;
    });
    if (!name_ok) return std::nullopt;
  }
  if (!port.empty()) {
    if (port.size() > 5 ||
        !std::all_of(port.begin(), port.end(), [](char d) { return d >= '0' && d <= '9'; })) {
      return std::nullopt;
    }
    u.port = std::stoi(std::string(port));
    if (u.port < 1 || u.port > 65535) return std::nullopt;
  }
  if (authority.empty()) return std::nullopt;
  u.host = lower(std::string(authority));
  const auto q = rest.find('?');
  u.path = std::string(rest.substr(0, q));
  if (u.path.empty()) u.path = "/";
  if (q != std::string_view::npos) u.query = std::string(rest.substr(q + 1));
  return u;
}

std::string percent_encode(std::string_view s) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string percent_decode(std::string_view s, bool plus_is_space) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      const int hi = hex_value(s[i + 1]), lo = hex_value(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
        continue;
      }
    }
    out += (plus_is_space && s[i] == '+') ? ' ' : s[i];
  }
  return out;
}

Params parse_query(std::string_view query) {
  Params out;
  std::size_t start = 0;
  while (start <= query.size()) {
    auto amp = query.find('&', start);
    if (amp == std::string_view::npos) amp = query.size();
    const std::string_view part = query.substr(start, amp - start);
    if (!part.empty()) {
      const auto eq = part.find('=');
      out.emplace_back(
          percent_decode(part.substr(0, eq), true),
          eq == std::string_view::npos ? "" : percent_decode(part.substr(eq + 1), true));
    }
    start = amp + 1;
  }
  return out;
}

std::string build_query(const Params& params) {
  std::string out;
  for (const auto& [k, v] : params) {
    out += (out.empty() ? "" : "&") + percent_encode(k) + "=" + percent_encode(v);
  }
  return out;
}

bool is_within(const Url& url, const Url& base) {
  auto port_of = [](const Url& u) { return u.port ? u.port : default_port(u.scheme); };
  if (url.scheme != base.scheme || url.host != base.host || port_of(url) != port_of(base)) {
    return false;
  }
  std::string root = base.path;
  while (root.size() > 1 && root.back() == '/') root.pop_back();
  if (root == "/") return true;
  return url.path == root || url.path.rfind(root + "/", 0) == 0;
}

std::string rewrite_query(
    std::string_view query,
    const std::function<std::optional<std::string>(const std::string&, const std::string&)>&
        rewrite) {
  std::string out;
  std::size_t start = 0;
  while (start < query.size()) {
    auto amp = query.find('&', start);
    if (amp == std::string_view::npos) amp = query.size();
    const std::string part(query.substr(start, amp - start));
    if (!part.empty()) {
      if (auto kept = rewrite(percent_decode(part.substr(0, part.find('=')), true), part)) {
        out += (out.empty() ? "" : "&") + *kept;
      }
    }
    start = amp + 1;
  }
  return out;
}

std::string redacted(const Url& url, const std::vector<std::string>& secret_names) {
  if (url.query.empty()) return url.text();
  const std::string query =
      rewrite_query(url.query, [&](const std::string& name, const std::string& part) {
        const bool secret =
            name.rfind("oauth_", 0) == 0 || name.rfind("consumer_", 0) == 0 ||
            std::find(secret_names.begin(), secret_names.end(), name) != secret_names.end();
        const auto eq = part.find('=');
        return std::optional<std::string>(
            secret && eq != std::string::npos ? part.substr(0, eq) + "=REDACTED" : part);
      });
  return url.base() + "?" + query;
}

}  // namespace weir::httpclient
