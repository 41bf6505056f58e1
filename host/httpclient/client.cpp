#include "httpclient/client.hpp"

#include <curl/curl.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>

#include "httpclient/oauth1.hpp"

namespace weir::httpclient {
namespace {

std::once_flag curl_once;

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string base64(const std::string& in) {
  std::string out(4 * ((in.size() + 2) / 3), '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(in.data()),
                                static_cast<int>(in.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

std::string nonce() {
  unsigned char bytes[16];
  if (RAND_bytes(bytes, sizeof bytes) != 1) {
    for (auto& b : bytes) b = static_cast<unsigned char>(std::rand());
  }
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char b : bytes) {
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
  return out;
}

// The body, up to the app's max_response: past it the transfer stops (a
// shop's runaway export must not take the host's memory).
struct BodySink {
  std::string* body = nullptr;
  std::size_t limit = 0;
  bool too_big = false;
};

std::size_t on_body(char* data, std::size_t size, std::size_t n, void* user) {
  auto* sink = static_cast<BodySink*>(user);
  if (sink->body->size() + size * n > sink->limit) {
    sink->too_big = true;
    return 0;  // curl stops with CURLE_WRITE_ERROR
  }
  sink->body->append(data, size * n);
  return size * n;
}

std::size_t on_header(char* data, std::size_t size, std::size_t n, void* user) {
  auto* headers = static_cast<Headers*>(user);
  std::string line(data, size * n);
  if (line.rfind("HTTP/", 0) == 0) headers->clear();  // a new response (after 100 Continue)
  const auto colon = line.find(':');
  if (colon != std::string::npos) {
    std::string value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.erase(0, 1);
    while (!value.empty() &&
           (value.back() == '\r' || value.back() == '\n' || value.back() == ' ')) {
      value.pop_back();
    }
    headers->emplace_back(lower(line.substr(0, colon)), value);
  }
  return size * n;
}

}  // namespace

struct AppClient::Handle {
  CURL* curl = curl_easy_init();
  ~Handle() {
    if (curl) curl_easy_cleanup(curl);
  }
};

std::string Response::header(const std::string& lower_name) const {
  for (const auto& [k, v] : headers) {
    if (k == lower_name) return v;
  }
  return "";
}

std::int64_t parse_retry_after(const std::string& value, std::int64_t now_ms) {
  if (value.empty()) return -1;
  std::int64_t ms = -1;
  if (std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    // Leading zeros do not make a number longer ("0000000001" is one second).
    const std::string digits = value.substr(std::min(value.find_first_not_of('0'), value.size()));
    ms = digits.size() > 9 ? kMaxRetryAfterMs : digits.empty() ? 0 : std::stoll(digits) * 1000;
  } else {
    const time_t at = curl_getdate(value.c_str(), nullptr);
    if (at < 0) return -1;
    // A date past year 292,277,026 would overflow the milliseconds.
    const std::int64_t at_ms =
        static_cast<std::int64_t>(at) > std::numeric_limits<std::int64_t>::max() / 2000
            ? std::numeric_limits<std::int64_t>::max() / 2
            : static_cast<std::int64_t>(at) * 1000;
    ms = std::max<std::int64_t>(0, at_ms - now_ms);
  }
  return std::min(ms, kMaxRetryAfterMs);
}

AppClient::AppClient(apps::App app, std::shared_ptr<limiter::AppLimiter> limiter,
                     std::shared_ptr<AppCounters> counters)
    : app_(std::move(app)),
      base_(parse_url(app_.base_url).value_or(Url{})),
      limiter_(std::move(limiter)),
      counters_(counters ? std::move(counters) : std::make_shared<AppCounters>()) {
  std::call_once(curl_once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  for (const auto& [role, ref] : app_.auth.secrets)
    secrets_.emplace_back(role, SecretSource::from(ref));
}

AppClient::~AppClient() = default;

std::unique_ptr<AppClient::Handle> AppClient::take_handle() {
  std::lock_guard lock(mu_);
  if (idle_.empty()) return std::make_unique<Handle>();
  auto h = std::move(idle_.back());
  idle_.pop_back();
  return h;
}

void AppClient::give_back(std::unique_ptr<Handle> h) {
  std::lock_guard lock(mu_);
  idle_.push_back(std::move(h));
}

// A path that could leave the app's base once a server (or curl) resolves
// it: a "." or ".." segment (also percent-encoded) or a backslash.
bool escapes(const std::string& path) {
  const std::string decoded = lower(percent_decode(path, false));
  if (decoded.find('\\') != std::string::npos) return true;
  std::size_t start = 0;
  while (start <= decoded.size()) {
    auto slash = decoded.find('/', start);
    if (slash == std::string::npos) slash = decoded.size();
    const std::string segment = decoded.substr(start, slash - start);
    if (segment == "." || segment == "..") return true;
    start = slash + 1;
  }
  return false;
}

// An RFC 9110 token: a method or a header name.
bool is_token(const std::string& s) {
  static const std::string kPunctuation = "!#$%&'*+-.^_`|~";
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || kPunctuation.find(c) != std::string::npos;
  });
}

Result<Url> AppClient::resolve(const Request& r) const {
  if (base_.host.empty()) return Status::error("app " + app_.name + " has no usable base_url");
  if (r.target.find('#') != std::string::npos) {
    return Status::error("app " + app_.name +
                         ": a target has no '#' part (it would cut off the "
                         "query); refused");
  }
  Url url;
  if (r.target.rfind("http://", 0) == 0 || r.target.rfind("https://", 0) == 0) {
    auto u = parse_url(r.target);
    if (!u || !is_within(*u, base_)) {
      return Status::error("app " + app_.name + ": " + redacted(u.value_or(Url{}), {}) +
                           " is outside its base_url " + app_.base_url + "; refused");
    }
    url = *u;
    // A Link header repeats the request's query, auth parameters included:
    // the host adds its own again, so they are dropped here.
    if (app_.auth.kind == apps::AuthSpec::Kind::query) {
      url.query = rewrite_query(url.query, [&](const std::string& name, const std::string& part) {
        return app_.auth.secrets.count(name) ? std::nullopt : std::optional<std::string>(part);
      });
    }
  } else {
    url = base_;
    std::string path = r.target;
    while (!path.empty() && path.front() == '/') path.erase(0, 1);
    if (!path.empty()) url.path = (url.path == "/" ? "" : url.path) + "/" + path;
    if (const auto q = url.path.find('?'); q != std::string::npos) {
      url.query = url.path.substr(q + 1);
      url.path.erase(q);
    }
  }
  if (escapes(url.path)) {
    return Status::error("app " + app_.name +
                         ": the target's path has '.' or '..' segments or a "
                         "backslash, which could leave base_url " +
                         app_.base_url + "; refused");
  }
  if (!r.query.empty()) url.query += (url.query.empty() ? "" : "&") + build_query(r.query);
  return url;
}

Status AppClient::check_request(const Request& r) const {
  if (!is_token(r.method))
    return Status::error("app " + app_.name + ": '" + r.method + "' is not an HTTP method");
  for (const auto& [name, value] : r.headers) {
    if (!is_token(name))
      return Status::error("app " + app_.name + ": '" + name + "' is not a header name");
    if (value.find_first_of(std::string("\r\n\0", 3)) != std::string::npos) {
      return Status::error("app " + app_.name + ": header " + name + " has a line break or NUL");
    }
    const std::string n = lower(name);
    if (n == "authorization" || n == "host" || n == "content-length" || n == "transfer-encoding" ||
        (!app_.auth.header.empty() && n == lower(app_.auth.header))) {
      return Status::error("app " + app_.name + ": header " + name + " is the host's to set");
    }
  }
  return Status::ok();
}

Result<Response> AppClient::send(const Request& in, std::int64_t max_wait_ms) {
  Request request = in;
  for (char& c : request.method) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (Status st = check_request(request); !st) return st;
  auto resolved = resolve(request);
  if (!resolved) return resolved.status();
  Url url = std::move(resolved).value();

  // The secrets, read now: a rotated file is used at once.
  Secrets secret;
  for (const auto& [role, source] : secrets_) {
    auto v = source->get();
    if (!v) return Status::error("app " + app_.name + ": auth." + role + ": " + v.error());
    secret[role] = std::move(v).value();
  }
  std::vector<std::string> secret_params;
  if (app_.auth.kind == apps::AuthSpec::Kind::query) {
    for (const auto& [name, value] : secret) secret_params.push_back(name);
  }
  if (app_.auth.kind != apps::AuthSpec::Kind::login) {
    return attempt(request, std::move(url), secret, secret_params, max_wait_ms, nullptr, false);
  }
  // A session expires on the server's clock, not ours: a 401 is how we
  // learn it. The request goes once more with a fresh session, not again
  // after that (wrong credentials would otherwise loop).
  std::optional<std::uint64_t> stale;
  for (int round = 0;; ++round) {
    auto s = session(secret, max_wait_ms, stale);
    if (!s) return s.status();
    if (s->refused) return std::move(*s->refused);
    Response out = attempt(request, url, secret, secret_params, max_wait_ms, &s->token, false);
    if (out.status != 401 || round == 1) return out;
    spdlog::info("http {}: 401 with the session of login #{}: logging in again", app_.name,
                 s->generation);
    stale = s->generation;
  }
}

Result<AppClient::Session> AppClient::session(const Secrets& secret, std::int64_t max_wait_ms,
                                              std::optional<std::uint64_t> stale) {
  std::lock_guard lock(login_mu_);  // one login at a time; the others wait and share it
  const auto& a = app_.auth;
  const bool expired = a.ttl && weir::now_ms() - token_at_ms_ >= a.ttl->count();
  if (token_generation_ != 0 && !expired && (!stale || *stale != token_generation_)) {
    return Session{token_, token_generation_, std::nullopt};
  }
  Request login;
  login.method = "POST";
  login.target = a.login_path;
  if (a.login_form) {
    Params form;
    for (const auto& [k, v] : a.extra) form.emplace_back(k, v);
    for (const auto& [k, v] : secret) form.emplace_back(k, v);
    login.body = build_query(form);
    login.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
  } else {
    nlohmann::json body = nlohmann::json::object();
    for (const auto& [k, v] : a.extra) body[k] = v;
    for (const auto& [k, v] : secret) body[k] = v;
    login.body = body.dump();
    login.headers.emplace_back("Content-Type", "application/json");
  }
  login.headers.emplace_back("Accept", "application/json");
  auto url = resolve(login);
  if (!url) return url.status();
  Response answer = attempt(login, std::move(url).value(), secret, {}, max_wait_ms, nullptr, true);
  const std::string where = "app " + app_.name + ": login (POST " + a.login_path + ")";
  if (answer.status < 200 || answer.status >= 300 || !answer.transport_error.empty()) {
    token_generation_ = 0;  // whatever we had is not to be used again
    if (answer.status == 401 || answer.status == 403) {
      // Credentials do not get better by waiting: the remote's words, cut.
      return Status::error(where + " answered " + std::to_string(answer.status) + ": " +
                           answer.body.substr(0, 300));
    }
    if (answer.status != 0 && answer.transport_error.empty()) {
      answer.transport_error = where + " answered " + std::to_string(answer.status);
    }
    return Session{"", 0, std::move(answer)};
  }
  std::string token;
  const auto parsed = nlohmann::json::parse(answer.body, nullptr, false);
  if (a.token_field.empty()) {
    token = parsed.is_string() ? parsed.get<std::string>() : answer.body;
  } else if (parsed.is_object() && parsed.contains(a.token_field) &&
             parsed[a.token_field].is_string()) {
    token = parsed[a.token_field].get<std::string>();
  }
  while (!token.empty() && std::isspace(static_cast<unsigned char>(token.back()))) token.pop_back();
  if (token.empty() || token.find_first_of("\r\n") != std::string::npos) {
    return Status::error(where + ": the answer has no token" +
                         (a.token_field.empty() ? "" : " at '" + a.token_field + "'"));
  }
  token_ = std::move(token);
  token_at_ms_ = weir::now_ms();
  ++token_generation_;
  spdlog::info("http {}: logged in (session #{})", app_.name, token_generation_);
  return Session{token_, token_generation_, std::nullopt};
}

Response AppClient::attempt(const Request& request, Url url, const Secrets& secret,
                            const std::vector<std::string>& secret_params,
                            std::int64_t max_wait_ms, const std::string* session, bool raw) {
  // The budget before the authentication: an OAuth 1.0a timestamp and
  // nonce are made once the request may go, not before a long wait (a
  // server refuses a stale timestamp). Nothing below can fail.
  std::optional<limiter::Permit> permit;
  if (limiter_) {
    const std::int64_t asked_ns = steady_ticker().now_ns();
    permit = limiter_->acquire(asked_ns + max_wait_ms * 1'000'000);
    counters_->waited(steady_ticker().now_ns() - asked_ns);
    if (!permit) {
      counters_->answered(0, false, 0);
      Response later;
      later.retry_later = true;
      later.transport_error = "app " + app_.name + ": no request budget within " +
                              std::to_string(max_wait_ms) + " ms, or the host is stopping";
      return later;
    }
  }

  Headers headers = request.headers;
  using Kind = apps::AuthSpec::Kind;
  switch (raw ? Kind::none : app_.auth.kind) {
    case Kind::basic:
      headers.emplace_back("Authorization",
                           "Basic " + base64(secret.at("username") + ":" + secret.at("password")));
      break;
    case Kind::bearer:
      headers.emplace_back("Authorization", "Bearer " + secret.at("token"));
      break;
    case Kind::header:
      headers.emplace_back(app_.auth.header, secret.at("value"));
      break;
    case Kind::query: {
      Params extra;
      for (const auto& [name, value] : secret) extra.emplace_back(name, value);
      url.query += (url.query.empty() ? "" : "&") + build_query(extra);
      break;
    }
    case Kind::oauth1: {
      auto get = [&](const char* role) {
        auto it = secret.find(role);
        return it == secret.end() ? std::string() : it->second;
      };
      OAuth1Credentials c{get("consumer_key"), get("consumer_secret"), get("token"),
                          get("token_secret"), app_.auth.signature_method};
      Params form;
      for (const auto& [k, v] : request.headers) {
        if (lower(k) == "content-type" &&
            lower(v).rfind("application/x-www-form-urlencoded", 0) == 0) {
          form = parse_query(request.body);
        }
      }
      auto signed_request =
          oauth1_sign(request.method, url, form, c, nonce(), weir::now_ms() / 1000);
      url = signed_request.url;
      headers.emplace_back("Authorization", signed_request.authorization);
      break;
    }
    case Kind::login:
      if (session) headers.emplace_back("Authorization", app_.auth.scheme + " " + *session);
      break;
    case Kind::none:
      break;
  }

  auto handle = take_handle();
  CURL* curl = handle->curl;
  curl_easy_reset(curl);
  Response out;
  const std::string text = url.text();
  curl_slist* list = nullptr;
  for (const auto& [k, v] : headers) list = curl_slist_append(list, (k + ": " + v).c_str());
  list = curl_slist_append(list, "Expect:");  // no 100-continue round trip
  // A body without a Content-Type goes without one, not as curl's default
  // form type (which an OAuth server would read as signed parameters).
  const bool typed = std::any_of(headers.begin(), headers.end(),
                                 [](const auto& h) { return lower(h.first) == "content-type"; });
  if (!request.body.empty() && !typed) list = curl_slist_append(list, "Content-Type:");
  curl_easy_setopt(curl, CURLOPT_URL, text.c_str());
  curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  if (request.method == "HEAD") curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  if (!request.body.empty() || request.method == "POST" || request.method == "PUT") {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(request.body.size()));
  }
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(curl, CURLOPT_PATH_AS_IS, 1L);  // send exactly the path checked above
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(app_.timeout.count()));
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(app_.timeout.count()));
  curl_easy_setopt(curl, CURLOPT_USERAGENT, "weir");
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  if (!app_.tls.ca_file.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, app_.tls.ca_file.c_str());
  if (app_.tls.insecure) {
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 0L);
  }
  BodySink body_sink{&out.body, static_cast<std::size_t>(app_.max_response), false};
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body_sink);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &out.headers);
  char error[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
  const auto t0 = std::chrono::steady_clock::now();
  const CURLcode rc = curl_easy_perform(curl);
  out.duration_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0)
          .count();
  curl_slist_free_all(list);
  // Nothing of this call's frame stays reachable from the idle handle.
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, nullptr);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, nullptr);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, nullptr);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, nullptr);
  if (rc == CURLE_OK || body_sink.too_big) {
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    out.status = static_cast<int>(status);
    out.retry_after_ms = parse_retry_after(out.header("retry-after"), weir::now_ms());
    if (body_sink.too_big) {
      out.body.clear();
      out.body.shrink_to_fit();
      out.body_too_large = true;
      out.transport_error = "the answer's body is larger than " +
                            std::to_string(app_.max_response) + " bytes (max_response of app " +
                            app_.name + "); it was not read";
    }
  } else {
    out.timed_out = rc == CURLE_OPERATION_TIMEDOUT;
    out.transport_error = out.timed_out
                              ? "timed out after " + std::to_string(app_.timeout.count()) + " ms"
                              : std::string(*error ? error : curl_easy_strerror(rc));
  }
  give_back(std::move(handle));
  // A server may echo the request's query (WooCommerce's Link header does):
  // no secret of this request goes back to the plugin in a header.
  std::vector<std::string> hidden;
  for (const auto& [role, s] : secret) hidden.push_back(s);
  if (session) hidden.push_back(*session);
  for (auto& [name, value] : out.headers) {
    for (const std::string& s : hidden) {
      for (const std::string& form : {s, percent_encode(s)}) {
        // Searched again after the replacement, so a secret that is part of
        // "REDACTED" cannot make this loop forever.
        static constexpr std::string_view kRedacted = "REDACTED";
        for (auto at = value.find(form); !form.empty() && at != std::string::npos;
             at = value.find(form, at + kRedacted.size())) {
          value.replace(at, form.size(), kRedacted);
        }
      }
    }
  }
  counters_->answered(out.status, true, out.duration_ms);
  if (limiter_) {
    limiter_->answered(out.status, out.retry_after_ms > 0 ? out.retry_after_ms * 1'000'000 : 0);
  }
  permit.reset();
  const std::string shown = redacted(url, secret_params);
  if (out.body_too_large) {
    spdlog::warn("http {}: {} {} -> {} in {} ms, {} B out: {}", app_.name, request.method, shown,
                 out.status, out.duration_ms, request.body.size(), out.transport_error);
  } else if (out.status) {
    spdlog::info("http {}: {} {} -> {} in {} ms, {} B out, {} B in", app_.name, request.method,
                 shown, out.status, out.duration_ms, request.body.size(), out.body.size());
  } else {
    spdlog::warn("http {}: {} {} -> no answer: {} ({} ms)", app_.name, request.method, shown,
                 out.transport_error, out.duration_ms);
  }
  return out;
}

}  // namespace weir::httpclient
