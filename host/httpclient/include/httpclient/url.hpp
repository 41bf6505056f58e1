// URLs as the HTTP client needs them: split, percent-encoded per RFC 3986,
// query parameters decoded as forms are, checked against an application's
// base, and shown with secrets redacted. Pure functions, any thread.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace weir::httpclient {

using Params = std::vector<std::pair<std::string, std::string>>;

struct Url {
  std::string scheme;  // lower case: "http" | "https"
  std::string host;    // lower case
  int port = 0;        // 0: the scheme's default
  std::string path;    // "/..." as written (percent-encoded), "/" when empty
  std::string query;   // after '?', as written, without '#...'

  // "https://host[:port]/path" : no query; the default port left out.
  std::string base() const;
  std::string text() const;  // base() + "?" + query when there is one
};

// Nullopt unless `text` is an absolute http:// or https:// URL with a host.
std::optional<Url> parse_url(std::string_view text);

// RFC 3986 percent-encoding: everything but ALPHA, DIGIT, '-', '.', '_', '~'.
std::string percent_encode(std::string_view s);
// %XX decoded; with `plus_is_space`, '+' is a space (form encoding).
std::string percent_decode(std::string_view s, bool plus_is_space);

// "a=1&b=x%20y" -> {("a","1"), ("b","x y")} (form decoding; order kept).
Params parse_query(std::string_view query);
// {("a","1"), ("b","x y")} -> "a=1&b=x%20y".
std::string build_query(const Params& params);

// The query with each "name=value" part passed through `rewrite` (given
// the part's form-decoded name and the part as written): what it returns
// replaces the part, nullopt drops it. Parts it keeps stay as written.
std::string rewrite_query(std::string_view query,
                          const std::function<std::optional<std::string>(
                              const std::string& name, const std::string& part)>& rewrite);

// Is `url` at or under `base` (same scheme, host and port; its path equal
// to the base's or below it at a '/')? So a Link header may be followed, a
// URL elsewhere refused.
bool is_within(const Url& url, const Url& base);

// `url` with the values of query parameters named in `secret_names`, and of
// every oauth_* and consumer_* parameter, replaced by "REDACTED"; for logs.
std::string redacted(const Url& url, const std::vector<std::string>& secret_names);

}  // namespace weir::httpclient
