// AppClient: requests to one application through libcurl, as the host makes
// them for plugins (the host API, ABI 1.4, to come). The plugin names a
// method, a path relative to the app's base_url (or an absolute URL inside
// it, to follow a Link header), query, headers and body; the host:
//  - refuses a URL outside the app's base, and follows no redirect (a 3xx is
//    the answer: credentials never go to another host);
//  - applies the app's authentication, reading each secret when the request
//    is made (basic, bearer, header, query, oauth1), so a plugin never sees
//    one; an error names the variable or file, never a value; `login` logs
//    in first (one login at a time, shared by every request of the app),
//    keeps the session token until its ttl, and on a 401 logs in again and
//    sends the request once more;
//  - waits for the app's limiter (limiter/app_limiter.hpp), and tells it each
//    answer: 429/503/508 slow it down, Retry-After pauses the whole app;
//  - verifies TLS against the system's CAs or tls.ca_file (tls.insecure
//    turns that off), keeps connections alive and reuses them (one curl
//    handle per request in flight, kept for the next), and gives up after
//    the app's timeout;
//  - logs each request: method, URL with secrets and oauth_*/consumer_*
//    redacted, status, duration, bytes out and in.
//
// Threads: send() from any thread, concurrently (up to the app's
// concurrency are in flight; the rest wait in the limiter).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "apps/app.hpp"
#include "httpclient/app_counters.hpp"
#include "common/clock.hpp"
#include "common/status.hpp"
#include "httpclient/url.hpp"
#include "limiter/app_limiter.hpp"

namespace weir::httpclient {

using Headers = std::vector<std::pair<std::string, std::string>>;

struct Request {
  std::string method = "GET";
  std::string target;  // "products" (from base_url) or an absolute URL inside it
  Params query;
  Headers headers;  // e.g. Content-Type; Authorization is the host's
  std::string body;
};

struct Response {
  int status = 0;   // 0: no answer (transport_error says why)
  Headers headers;  // names in lower case
  std::string body;
  std::string transport_error;  // "timed out after 30000 ms", "connection refused", ...
  bool timed_out = false;
  std::int64_t duration_ms = 0;
  std::int64_t retry_after_ms = -1;  // from Retry-After (seconds or an HTTP date); -1: none
  // Nothing was sent for a reason that passes: the app's budget did not come
  // within the wait, or the host is stopping (transport_error says which).
  bool retry_later = false;
  // The answer came (status set) but its body was larger than the app's
  // max_response and was not read; transport_error says so.
  bool body_too_large = false;

  std::string header(const std::string& lower_name) const;
};

class AppClient {
 public:
  // `limiter` is the app's, shared with every other client of it; null: no limit.
  // `counters`: the app's, kept across versions of its file; null: its own.
  AppClient(apps::App app, std::shared_ptr<limiter::AppLimiter> limiter,
            std::shared_ptr<AppCounters> counters = nullptr);
  ~AppClient();
  AppClient(const AppClient&) = delete;
  AppClient& operator=(const AppClient&) = delete;

  // An error when nothing was sent and sending again would not help (a URL
  // outside the app, a missing secret, a malformed request); otherwise the
  // answer, which may be a transport failure (status 0), or `retry_later`
  // when the limiter gave no budget within `max_wait_ms` or is stopping.
  Result<Response> send(const Request& request, std::int64_t max_wait_ms = 600'000);

  const apps::App& app() const { return app_; }
  const AppCounters& counters() const { return *counters_; }

 private:
  struct Handle;
  std::unique_ptr<Handle> take_handle();
  void give_back(std::unique_ptr<Handle> h);
  Result<Url> resolve(const Request& r) const;
  Status check_request(const Request& r) const;
  using Secrets = std::map<std::string, std::string>;
  // One request with its budget: authenticated by the app's kind unless
  // `session` is given (login: "Authorization: <scheme> <session>"), or
  // `raw` (the login request itself, whose fields are in its body).
  Response attempt(const Request& request, Url url, const Secrets& secret,
                   const std::vector<std::string>& secret_params, std::int64_t max_wait_ms,
                   const std::string* session, bool raw);
  // The login session: the token, logging in when there is none, it is past
  // its ttl, or it is `stale` (a request of that generation got a 401).
  struct Session {
    std::string token;
    std::uint64_t generation = 0;
    std::optional<Response> refused;  // the login's own answer, when not 2xx
  };
  Result<Session> session(const Secrets& secret, std::int64_t max_wait_ms,
                          std::optional<std::uint64_t> stale);

  const apps::App app_;
  const Url base_;
  std::shared_ptr<limiter::AppLimiter> limiter_;
  std::shared_ptr<AppCounters> counters_;
  std::vector<std::pair<std::string, std::shared_ptr<SecretSource>>> secrets_;  // by role
  std::mutex mu_;
  std::vector<std::unique_ptr<Handle>> idle_;  // guarded by mu_
  std::mutex login_mu_;                        // held while logging in, and for the below
  std::string token_;                          // guarded by login_mu_
  std::uint64_t token_generation_ = 0;         // guarded by login_mu_; 0: none yet
  std::int64_t token_at_ms_ = 0;               // guarded by login_mu_
};


// Retry-After: delta seconds, or an HTTP date (relative to `now_ms`); -1 if
// neither. At most kMaxRetryAfterMs: a server cannot pause an app for years.
constexpr std::int64_t kMaxRetryAfterMs = 3600 * 1000;
std::int64_t parse_retry_after(const std::string& value, std::int64_t now_ms);

}  // namespace weir::httpclient
