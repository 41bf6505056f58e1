// weir/weir.hpp — the C++ SDK for writing weir plugins. Header-only, built on
// the C ABI in weir/abi.h; a plugin links against nothing of the host.
//
//   class Upper : public weir::Node {
//    public:
//     weir::Result process(weir::Context& ctx) override {
//       weir::Json doc = ctx.message().json();
//       doc["name"] = to_upper(doc["name"].get<std::string>());
//       return weir::Result::success(doc);
//     }
//   };
//   WEIR_PLUGIN("shop", "1.0.0", "Shop helpers",
//               weir::node<Upper>("upper", WEIR_NODE_CUSTOM, "Upper-cases the name"));
//
// Rules the SDK enforces for you:
//  - An exception escaping process() fails that message with the exception's
//    text (weir::Outcome ends it with the Result it carries instead); one escaping process_batch() fails every message not yet finished;
//    one escaping a constructor makes create() fail with its text. No
//    exception crosses the ABI.
//  - A node class is constructed from `const weir::NodeInit&` if it has such a
//    constructor, else default-constructed. It may define
//    `static void validate(const weir::Json& config, std::vector<std::string>& errors)`
//    to check its config when a topology is validated (no I/O there).
//  - Threads: see abi.h. process() may run concurrently on one instance when
//    the node's concurrency is above 1.
#pragma once

#include <weir/abi.h>
#include <weir/payload.hpp>
#include <weir/remote_error.hpp>

#include <chrono>
#include <concepts>
#include <cstdint>
#include <ctime>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace weir {

inline weir_str to_str(std::string_view s) { return weir_str{s.data(), s.size()}; }
inline std::string_view from_str(weir_str s) { return std::string_view(s.data, s.size); }
inline weir_bytes to_bytes(std::span<const std::uint8_t> b) { return weir_bytes{b.data(), b.size()}; }

enum class LogLevel { trace = 0, debug = 1, info = 2, warn = 3, error = 4 };

// Writes log lines through the host. Cheap to copy; valid while the node lives.
class Logger {
 public:
  Logger(const weir_host_api* api, weir_host* host) : api_(api), host_(host) {}
  void log(LogLevel level, std::string_view text) const {
    api_->log(host_, static_cast<weir_log_level>(level), to_str(text));
  }
  void debug(std::string_view t) const { log(LogLevel::debug, t); }
  void info(std::string_view t) const { log(LogLevel::info, t); }
  void warn(std::string_view t) const { log(LogLevel::warn, t); }
  void error(std::string_view t) const { log(LogLevel::error, t); }

 private:
  const weir_host_api* api_;
  weir_host* host_;
};

// A delta topology's sync window (`delta: {overlap: 1s}` in the topology):
// its process fetches what changed from `since` up to `until`. No since: the
// first run, or the first after `weir sync reset`: fetch everything. `until`
// is when the process started; once it completes, the next run's since is
// until minus the overlap, so a change made during this run is fetched by the
// next one.
struct SyncWindow {
  std::optional<std::chrono::system_clock::time_point> since;
  std::chrono::system_clock::time_point until;
  bool full() const { return !since.has_value(); }
};

// `t` in UTC as strftime's `format` writes it ("%Y-%m-%dT%H:%M:%SZ",
// "%Y-%m-%d %H:%M:%S"): a remote system's filter wants its own form.
inline std::string format_utc(std::chrono::system_clock::time_point t, const char* format) {
  const std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char out[128];
  const std::size_t n = std::strftime(out, sizeof out, format, &tm);
  return std::string(out, n);
}

// FNV-1a (64 bits) of `text` as 16 hex digits: a digest that is the same in
// every process and build, for remembering what was last sent (an image
// list, a document) in the ID map or state. Not for security.
inline std::string digest_hex(std::string_view text) {
  std::uint64_t h = 14695981039346656037ULL;
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i, h >>= 4) out[static_cast<std::size_t>(i)] = kHex[h & 15];
  return out;
}

// A borrowed view of one input message; valid during the process() call.
class Message {
 public:
  explicit Message(const weir_message* m) : m_(m) {}
  std::uint64_t id() const { return m_->message_id; }
  std::uint64_t process_id() const { return m_->process_id; }
  std::uint64_t parent_id() const { return m_->parent_id; }
  std::string_view correlation_id() const { return from_str(m_->correlation_id); }
  std::string_view topology() const { return from_str(m_->topology); }
  std::string_view node_id() const { return from_str(m_->node_id); }
  std::uint32_t attempt() const { return m_->attempt; }
  std::span<const std::uint8_t> payload_bytes() const { return {m_->payload.data, m_->payload.size}; }
  std::span<const std::uint8_t> header_bytes() const { return {m_->headers.data, m_->headers.size}; }
  // Where a paging node left off (Result::next_page); empty on its first call
  // (and from a host older than ABI 1.2).
  std::string_view cursor() const {
    if (!WEIR_HAS_FIELD(m_, weir_message, cursor) || !m_->cursor.data) return {};
    return {reinterpret_cast<const char*>(m_->cursor.data), m_->cursor.size};
  }
  Json json() const { return payload::to_json(payload_bytes()); }
  Headers headers() const { return payload::decode_headers(header_bytes()); }
  // The process's sync window when its topology is a delta one (the host
  // puts it in the headers "weir-sync-since" / "weir-sync-until", in ms
  // since the epoch); nullopt otherwise.
  std::optional<SyncWindow> sync_window() const {
    const Headers h = headers();
    auto until = h.find("weir-sync-until");
    if (until == h.end()) return std::nullopt;
    auto at = [](const std::string& ms) {
      return std::chrono::system_clock::time_point(std::chrono::milliseconds(std::stoll(ms)));
    };
    SyncWindow w;
    w.until = at(until->second);
    if (auto since = h.find("weir-sync-since"); since != h.end()) w.since = at(since->second);
    return w;
  }

 private:
  const weir_message* m_;
};

// How one message ended. See weir_outcome in abi.h.
class Result {
 public:
  // Success: emitted outputs (or, if none, the input unchanged) go to all followers.
  static Result success() { return Result(WEIR_OUTCOME_SUCCESS); }
  // Success with one output document.
  static Result success(Json output) {
    Result r(WEIR_OUTCOME_SUCCESS);
    r.output_ = std::move(output);
    return r;
  }
  // Only to the named followers (with emitted outputs, or the input unchanged).
  static Result forward(std::vector<std::string> targets) {
    Result r(WEIR_OUTCOME_FORWARD);
    r.targets_ = std::move(targets);
    return r;
  }
  // Done here; nothing goes on.
  static Result stop() { return Result(WEIR_OUTCOME_STOP); }
  // Failed for good: to the trash with `error`.
  static Result failed(std::string error) {
    Result r(WEIR_OUTCOME_FAILED);
    r.error_ = std::move(error);
    return r;
  }
  // One page done: emitted outputs go on, and this message comes back to
  // this node with message().cursor() == `cursor`. The last page: success().
  static Result next_page(std::string cursor) {
    Result r(WEIR_OUTCOME_CURSOR);
    r.cursor_ = std::move(cursor);
    return r;
  }
  // Not yet: run topology `topology` with `payload` first (or wait for the
  // run already going for the same topology and key; empty key: the
  // payload), then deliver this message again. E.g. a product whose category
  // the shop does not have: needs("create-category", {{"name", "Shoes"}}).
  static Result needs(std::string topology, const Json& payload, std::string key = {},
                      std::string why = {}) {
    Result r(WEIR_OUTCOME_PREREQUISITE);
    r.prerequisite_topology_ = std::move(topology);
    r.prerequisite_payload_ = payload::from_json(payload);
    r.prerequisite_key_ = std::move(key);
    r.error_ = std::move(why);
    return r;
  }
  // Not now: deliver again later, after the node's retry policy's wait, or
  // after `at_least` if that is longer (e.g. a Retry-After header).
  static Result retry(std::string why,
                      std::chrono::milliseconds at_least = std::chrono::milliseconds(0)) {
    Result r(WEIR_OUTCOME_RETRY);
    r.error_ = std::move(why);
    r.delay_ = at_least;
    return r;
  }

  weir_outcome outcome() const { return outcome_; }
  const std::optional<Json>& output() const { return output_; }
  const std::vector<std::string>& targets() const { return targets_; }
  const std::string& error() const { return error_; }
  std::chrono::milliseconds delay() const { return delay_; }
  const std::string& cursor() const { return cursor_; }
  const std::string& prerequisite_topology() const { return prerequisite_topology_; }
  const Bytes& prerequisite_payload() const { return prerequisite_payload_; }
  const std::string& prerequisite_key() const { return prerequisite_key_; }

 private:
  explicit Result(weir_outcome o) : outcome_(o) {}
  weir_outcome outcome_;
  std::optional<Json> output_;
  std::vector<std::string> targets_;
  std::string error_;
  std::chrono::milliseconds delay_{0};
  std::string cursor_;
  std::string prerequisite_topology_;
  Bytes prerequisite_payload_;
  std::string prerequisite_key_;
};

// Thrown to end the message with `result` from deep inside a helper (a
// lambda given to find_or_create, a function that made a request): the SDK
// finishes the message with it, as if process() had returned it.
//   if (auto bad = response.problem()) throw weir::Outcome(*bad);
class Outcome : public std::exception {
 public:
  explicit Outcome(Result result) : result_(std::move(result)) {}
  const Result& result() const { return result_; }
  const char* what() const noexcept override {
    return result_.error().empty() ? "weir::Outcome" : result_.error().c_str();
  }

 private:
  Result result_;
};

// How find_or_create came by a remote id.
enum class IdSource {
  mapped,     // the ID map had it
  looked_up,  // the target had the object (found by its natural key); now mapped
  created     // made now; now mapped
};
struct RemoteId {
  std::string id;
  IdSource source = IdSource::mapped;
  bool created() const { return source == IdSource::created; }
};

// A request through the node's application (`app:` in the topology): the
// host adds the authentication, waits for the app's limiter, applies its
// timeout and TLS; the plugin never sees a secret (ABI 1.4).
struct HttpRequest {
  std::string method = "GET";
  std::string target;  // "products" (from the app's base_url), or an absolute URL inside it
  Headers query;
  Headers headers;
  std::string body;
};

struct HttpResponse {
  bool sent = false;   // false: nothing went out (error says why)
  int status = 0;      // 0: no answer
  Headers headers;     // names in lower case
  std::string body;
  std::string error;   // a transport error, or why nothing was sent
  std::int64_t retry_after_ms = -1;
  bool retry_later = false;  // not sent for a reason that passes: retry the message later
  std::string request;       // "GET products", for error texts
  std::string header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? std::string() : it->second;
  }

  // A 2xx whose body came whole (error is set when the body was larger than
  // the application's max_response and was not read).
  bool ok() const { return sent && status >= 200 && status < 300 && error.empty(); }

  // Answers that pass (the remote system is busy, down for a moment, or too
  // slow): 408, 425, 429, 500-series gateway errors 502/503/504, 508 (a
  // shared PHP host's "resource limit reached"), no answer at all (a timeout,
  // a refused or reset connection), and a request the host did not send for
  // a reason that passes (the application's budget did not come in time).
  bool transient() const {
    if (!sent) return retry_later;
    switch (status) {
      case 0: case 408: case 425: case 429: case 502: case 503: case 504: case 508:
        return true;
      default:
        return false;
    }
  }

  // The one call from an answer to a message's outcome:
  //   2xx                      -> std::nullopt: go on with the answer;
  //   transient() (see above)  -> Result::retry, waiting at least Retry-After
  //                               (seconds or an HTTP date) when one came;
  //   any other status, an answer whose body was too large to take, or a
  //   request the host refused to send (a URL outside the application, a
  //   missing secret) -> Result::failed with the status
  //   and the remote system's own error text, cut to 300 bytes.
  // Usage: `auto r = ctx.http(req); if (auto bad = r.problem()) return *bad;`
  std::optional<Result> problem() const {
    if (ok()) return std::nullopt;
    const std::string what = request.empty() ? std::string("request") : request;
    if (!sent) {
      return retry_later ? Result::retry(what + ": not sent: " + error)
                         : Result::failed(what + ": not sent: " + error);
    }
    std::string why = what + ": ";
    if (status == 0) {
      why += error.empty() ? std::string("no answer") : error;
    } else if (!error.empty()) {  // an answer the host did not take whole: fails again if retried
      return Result::failed(why + "HTTP " + std::to_string(status) + ": " + error);
    } else {
      why += "HTTP " + std::to_string(status);
      const std::string remote = remote_error::text(body);
      if (!remote.empty()) why += ": " + remote;
      if (status >= 300 && status < 400) {
        why += " (redirects are not followed; Location: " + header("location") + ")";
      }
    }
    if (!transient()) return Result::failed(std::move(why));
    return Result::retry(std::move(why),
                         std::chrono::milliseconds(retry_after_ms > 0 ? retry_after_ms : 0));
  }

  // The outcome when the answer itself is all the message needs: success()
  // on 2xx, else problem().
  Result outcome() const {
    auto bad = problem();
    return bad ? std::move(*bad) : Result::success();
  }

  // The body as JSON; throws (failing the message) with the start of the
  // body when it is not JSON, e.g. an HTML error page behind a 200.
  Json json() const {
    try {
      return payload::parse_json_text(body);
    } catch (const PayloadError& e) {
      throw std::runtime_error((request.empty() ? std::string("the answer")
                                                : request + ": the answer") +
                               " (HTTP " + std::to_string(status) + ", content-type '" +
                               header("content-type") + "') is " + e.what() + "; it begins: " +
                               remote_error::text(body, 120));
    }
  }
};

// One process() call: up to max_batch messages, answered one by one.
class Batch {
 public:
  Batch(const weir_host_api* api, weir_call* call, const weir_message* const* msgs, size_t count,
        const Logger& log)
      : api_(api), call_(call), log_(log), finished_(count, false) {
    messages_.reserve(count);
    for (size_t i = 0; i < count; ++i) messages_.emplace_back(msgs[i]);
  }

  size_t size() const { return messages_.size(); }
  const Message& message(size_t i) const { return messages_.at(i); }
  bool finished(size_t i) const { return finished_.at(i); }
  const Logger& log() const { return log_; }

  // Adds an output for message i; headers empty = inherit the input's.
  void emit(size_t i, const Json& output, const Headers& headers = {}) {
    emit_msgpack(i, payload::from_json(output), headers);
  }
  void emit_msgpack(size_t i, std::span<const std::uint8_t> msgpack, const Headers& headers = {}) {
    Bytes h = headers.empty() ? Bytes{} : payload::encode_headers(headers);
    if (api_->emit(call_, i, to_bytes(msgpack), to_bytes(h)) != 0) {
      throw std::runtime_error("emit rejected for message " + std::to_string(i) +
                               " (finished already, or payload not msgpack)");
    }
  }

  // Ends message i. Finishing twice throws.
  void finish(size_t i, const Result& r) {
    if (finished_.at(i)) throw std::logic_error("message " + std::to_string(i) + " finished twice");
    if (r.output()) emit(i, *r.output());
    std::vector<weir_str> targets;
    for (const auto& t : r.targets()) targets.push_back(to_str(t));
    weir_result res{sizeof(weir_result),
                    r.outcome(),
                    to_str(r.error()),
                    targets.data(),
                    targets.size(),
                    static_cast<std::uint64_t>(r.delay().count()),
                    weir_bytes{reinterpret_cast<const std::uint8_t*>(r.cursor().data()),
                               r.cursor().size()},
                    to_str(r.prerequisite_topology()),
                    to_bytes(r.prerequisite_payload()),
                    to_str(r.prerequisite_key())};
    finished_[i] = true;
    api_->finish(call_, i, &res);
  }

  // Fails every message not finished yet (used when a whole batch throws).
  void fail_unfinished(std::string_view error) {
    for (size_t i = 0; i < size(); ++i) {
      if (!finished_[i]) finish(i, Result::failed(std::string(error)));
    }
  }

  // Per-topology state; puts commit with this call's results (see abi.h).
  std::optional<std::string> state_get(std::string_view key) {
    std::optional<std::string> out;
    auto sink = [](void* user, weir_bytes v) {
      static_cast<std::optional<std::string>*>(user)->emplace(
          reinterpret_cast<const char*>(v.data), v.size);
    };
    if (api_->state_get(call_, to_str(key), sink, &out) < 0) {
      throw std::runtime_error("state_get failed for key '" + std::string(key) + "'");
    }
    return out;
  }
  void state_put(std::string_view key, std::string_view value) {
    weir_bytes v{reinterpret_cast<const std::uint8_t*>(value.data()), value.size()};
    if (api_->state_put(call_, to_str(key), v) != 0) {
      throw std::runtime_error("state_put failed for key '" + std::string(key) + "'");
    }
  }

  // The ID map (ABI 1.5; see id_get in abi.h): the remote id of a local id
  // in (system, entity), the local id of a remote one, and mapping one to
  // the other, committed with this call's results. Throws on a host older
  // than 1.5 (failing the message saying so), and on an id the host
  // refuses (empty, longer than 1024 bytes, not UTF-8).
  std::optional<std::string> id_get(std::string_view system, std::string_view entity,
                                    std::string_view local_id) {
    return id_lookup(api_has_ids() ? api_->id_get : nullptr, "id_get", system, entity, local_id);
  }
  std::optional<std::string> id_find(std::string_view system, std::string_view entity,
                                     std::string_view remote_id) {
    return id_lookup(api_has_ids() ? api_->id_find : nullptr, "id_find", system, entity,
                     remote_id);
  }
  // Throws when remote_id is another local id's already, naming it.
  void id_put(std::string_view system, std::string_view entity, std::string_view local_id,
              std::string_view remote_id) {
    require_ids();
    if (api_->id_put(call_, to_str(system), to_str(entity), to_str(local_id), to_str(remote_id)) ==
        0) {
      return;
    }
    const std::string where = std::string(system) + "/" + std::string(entity);
    std::optional<std::string> other;
    if (!remote_id.empty()) other = id_find(system, entity, remote_id);
    if (other && *other != local_id) {
      throw std::runtime_error("id map: " + where + " " + std::string(remote_id) +
                               " is mapped to " + *other + " already, so it cannot be " +
                               std::string(local_id) + "'s too (two of ours are one of theirs?)");
    }
    throw std::runtime_error("id map: the host refused " + where + " '" + std::string(local_id) +
                             "' -> '" + std::string(remote_id) +
                             "' (an empty id, one over 1024 bytes, or one that is not UTF-8)");
  }
  // Forgets local_id's mapping (the remote object is gone: it 404s).
  void id_forget(std::string_view system, std::string_view entity, std::string_view local_id) {
    id_put(system, entity, local_id, "");
  }

  // The remote id of `local_id` in (system, entity), made when there is
  // none, at most once even across a crash:
  //   1. the ID map has it: {id, mapped};
  //   2. else `lookup()` asks the target by the item's natural key (a SKU,
  //      the shop's order number) and returns std::optional<std::string>:
  //      a create whose answer came just before the host stopped left the
  //      object there and no mapping (the mapping commits with the call's
  //      results); found: mapped now, {id, looked_up};
  //   3. else `create()` makes it and returns its id: mapped now, {id, created}.
  // A found id (mapped or looked up) is an object to update, not to create.
  // lookup and create may throw weir::Outcome to end the message otherwise,
  // e.g. `if (auto bad = r.problem()) throw weir::Outcome(*bad);`.
  template <class Lookup, class Create>
  RemoteId find_or_create(std::string_view system, std::string_view entity,
                          std::string_view local_id, Lookup&& lookup, Create&& create) {
    if (auto mapped = id_get(system, entity, local_id)) return {std::move(*mapped), IdSource::mapped};
    std::optional<std::string> found = std::forward<Lookup>(lookup)();
    if (found && !found->empty()) {
      id_put(system, entity, local_id, *found);
      return {std::move(*found), IdSource::looked_up};
    }
    std::string made = std::forward<Create>(create)();
    if (made.empty()) {
      throw std::runtime_error("find_or_create: the create of " + std::string(system) + "/" +
                               std::string(entity) + " " + std::string(local_id) +
                               " gave no id");
    }
    id_put(system, entity, local_id, made);
    return {std::move(made), IdSource::created};
  }

  // The settings of the node's application (ABI 1.6): its app file's
  // `settings` mapping, read now (an edited app file counts from the next
  // call). An empty object when the node names no application, or on a
  // host older than 1.6; throws when the application it names is not in
  // effect (failing the message saying so).
  Json app_settings() {
    if (!WEIR_HAS_FIELD(api_, weir_host_api, app_settings) || !api_->app_settings) {
      return Json::object();
    }
    std::string text;
    auto sink = [](void* user, weir_str v) {
      static_cast<std::string*>(user)->assign(v.data ? v.data : "", v.size);
    };
    const int got = api_->app_settings(call_, sink, &text);
    if (got < 0) throw std::runtime_error("app_settings: the node's application is not in effect");
    if (got == 0) return Json::object();
    Json settings = Json::parse(text, nullptr, false);
    return settings.is_object() ? settings : Json::object();
  }

  // Sends `r` through the node's application and returns the answer (any
  // status; check `sent` and `status`). On a host older than ABI 1.4 it
  // throws, which fails the message saying so.
  HttpResponse http(const HttpRequest& r) {
    if (!WEIR_HAS_FIELD(api_, weir_host_api, http) || !api_->http) {
      throw std::runtime_error("this weir host is older than ABI 1.4: it has no http");
    }
    const Bytes query = r.query.empty() ? Bytes{} : payload::encode_headers(r.query);
    const Bytes headers = r.headers.empty() ? Bytes{} : payload::encode_headers(r.headers);
    weir_http_request req{sizeof(weir_http_request),
                          to_str(r.method),
                          to_str(r.target),
                          to_bytes(query),
                          to_bytes(headers),
                          weir_bytes{reinterpret_cast<const std::uint8_t*>(r.body.data()), r.body.size()}};
    HttpResponse out;
    out.request = r.method + " " + r.target;
    auto sink = [](void* user, const weir_http_response* a) {
      auto* o = static_cast<HttpResponse*>(user);
      o->status = a->status;
      o->headers = payload::decode_headers({a->headers.data, a->headers.size});
      o->body.assign(reinterpret_cast<const char*>(a->body.data), a->body.size);
      o->error.assign(a->error.data ? a->error.data : "", a->error.size);
      o->retry_after_ms = a->retry_after_ms;
      o->retry_later = WEIR_HAS_FIELD(a, weir_http_response, retry_later) && a->retry_later != 0;
    };
    out.sent = api_->http(call_, &req, sink, &out) == 0;
    return out;
  }

 private:
  bool api_has_ids() const { return WEIR_HAS_FIELD(api_, weir_host_api, id_put) && api_->id_put; }
  void require_ids() const {
    if (!api_has_ids()) throw std::runtime_error("this weir host is older than ABI 1.5: it has no ID map");
  }
  using IdLookup = int (*)(weir_call*, weir_str, weir_str, weir_str, void (*)(void*, weir_str),
                           void*);
  std::optional<std::string> id_lookup(IdLookup fn, const char* what, std::string_view system,
                                       std::string_view entity, std::string_view id) {
    require_ids();
    std::optional<std::string> out;
    auto sink = [](void* user, weir_str v) {
      static_cast<std::optional<std::string>*>(user)->emplace(v.data, v.size);
    };
    if (fn(call_, to_str(system), to_str(entity), to_str(id), sink, &out) < 0) {
      throw std::runtime_error(std::string(what) + " failed for " + std::string(system) + "/" +
                               std::string(entity) + " '" + std::string(id) +
                               "' (an empty id, one over 1024 bytes, not UTF-8, or a store error)");
    }
    return out;
  }

  const weir_host_api* api_;
  weir_call* call_;
  Logger log_;
  std::vector<Message> messages_;
  std::vector<bool> finished_;
};

// One message of a batch, as Node::process sees it.
class Context {
 public:
  Context(Batch& batch, size_t index) : batch_(batch), index_(index) {}
  const Message& message() const { return batch_.message(index_); }
  void emit(const Json& output, const Headers& headers = {}) { batch_.emit(index_, output, headers); }
  void emit_msgpack(std::span<const std::uint8_t> msgpack, const Headers& headers = {}) {
    batch_.emit_msgpack(index_, msgpack, headers);
  }
  std::optional<std::string> state_get(std::string_view key) { return batch_.state_get(key); }
  void state_put(std::string_view key, std::string_view value) { batch_.state_put(key, value); }
  HttpResponse http(const HttpRequest& r) { return batch_.http(r); }
  Json app_settings() { return batch_.app_settings(); }
  std::optional<std::string> id_get(std::string_view system, std::string_view entity,
                                    std::string_view local_id) {
    return batch_.id_get(system, entity, local_id);
  }
  std::optional<std::string> id_find(std::string_view system, std::string_view entity,
                                     std::string_view remote_id) {
    return batch_.id_find(system, entity, remote_id);
  }
  void id_put(std::string_view system, std::string_view entity, std::string_view local_id,
              std::string_view remote_id) {
    batch_.id_put(system, entity, local_id, remote_id);
  }
  void id_forget(std::string_view system, std::string_view entity, std::string_view local_id) {
    batch_.id_forget(system, entity, local_id);
  }
  template <class Lookup, class Create>
  RemoteId find_or_create(std::string_view system, std::string_view entity,
                          std::string_view local_id, Lookup&& lookup, Create&& create) {
    return batch_.find_or_create(system, entity, local_id, std::forward<Lookup>(lookup),
                                 std::forward<Create>(create));
  }
  const Logger& log() const { return batch_.log(); }

 private:
  Batch& batch_;
  size_t index_;
};

// What a node's constructor receives.
struct NodeInit {
  Json config;  // the node's `config` from the topology (an object, maybe empty)
  Logger log;
};

class Node {
 public:
  virtual ~Node() = default;
  // Handles one message. Return a Result, or throw to fail the message.
  virtual Result process(Context& ctx) = 0;
  // Handles a batch (max_batch > 1). The default answers each message
  // through process(); override to make one external call for the batch.
  virtual void process_batch(Batch& batch) {
    for (size_t i = 0; i < batch.size(); ++i) {
      Context ctx(batch, i);
      try {
        batch.finish(i, process(ctx));
      } catch (const Outcome& o) {
        if (!batch.finished(i)) batch.finish(i, o.result());
      } catch (const std::exception& e) {
        if (!batch.finished(i)) batch.finish(i, Result::failed(e.what()));
      } catch (...) {
        if (!batch.finished(i)) batch.finish(i, Result::failed("unknown exception"));
      }
    }
  }
};

namespace detail {

struct Instance {
  const weir_host_api* api;
  Logger log;
  std::unique_ptr<Node> node;
};

inline void report(weir_error_sink sink, void* user, std::string_view text) {
  if (sink) sink(user, to_str(text));
}

template <class T>
std::unique_ptr<Node> make_node(const NodeInit& init) {
  if constexpr (std::constructible_from<T, const NodeInit&>) {
    return std::make_unique<T>(init);
  } else {
    return std::make_unique<T>();
  }
}

template <class T>
int validate(weir_str config_json, weir_error_sink errors, void* user) {
  try {
    Json config = Json::parse(from_str(config_json));
    std::vector<std::string> problems;
    if constexpr (requires { T::validate(config, problems); }) T::validate(config, problems);
    for (const auto& p : problems) report(errors, user, p);
    return problems.empty() ? 0 : -1;
  } catch (const std::exception& e) {
    report(errors, user, e.what());
    return -1;
  }
}

template <class T>
weir_node_instance* create(const weir_host_api* api, weir_host* host, weir_str config_json,
                           weir_error_sink errors, void* user) {
  try {
    Logger log(api, host);
    Json config = config_json.size ? Json::parse(from_str(config_json)) : Json::object();
    auto inst = std::make_unique<Instance>(Instance{api, log, nullptr});
    inst->node = make_node<T>(NodeInit{std::move(config), log});
    return reinterpret_cast<weir_node_instance*>(inst.release());
  } catch (const std::exception& e) {
    report(errors, user, e.what());
  } catch (...) {
    report(errors, user, "unknown exception in node constructor");
  }
  return nullptr;
}

inline void destroy(weir_node_instance* p) { delete reinterpret_cast<Instance*>(p); }

inline void process(weir_node_instance* p, weir_call* call, const weir_message* const* msgs,
                    size_t count) {
  auto* inst = reinterpret_cast<Instance*>(p);
  try {
    Batch batch(inst->api, call, msgs, count, inst->log);
    try {
      inst->node->process_batch(batch);
    } catch (const Outcome& o) {  // ends every message the batch had not finished
      for (size_t i = 0; i < batch.size(); ++i) {
        if (!batch.finished(i)) batch.finish(i, o.result());
      }
    } catch (const std::exception& e) {
      batch.fail_unfinished(e.what());
    } catch (...) {
      batch.fail_unfinished("unknown exception");
    }
  } catch (...) {
    // Nothing may cross the ABI; the host fails any message left unfinished.
  }
}

// Owns the descriptor arrays a plugin hands to the host.
class PluginHolder {
 public:
  PluginHolder(const char* name, const char* version, const char* description,
               std::initializer_list<weir_node_type> types)
      : PluginHolder(name, version, description, {}, types) {}
  PluginHolder(const char* name, const char* version, const char* description,
               std::vector<weir_app_type> app_types, std::initializer_list<weir_node_type> types)
      : types_(types), app_types_(std::move(app_types)) {
    for (const auto& t : types_) pointers_.push_back(&t);
    for (const auto& a : app_types_) app_pointers_.push_back(&a);
    plugin_ = weir_plugin{sizeof(weir_plugin), WEIR_ABI_MAJOR,     WEIR_ABI_MINOR,
                          name,                version,            description,
                          pointers_.data(),    pointers_.size(),   app_pointers_.data(),
                          app_pointers_.size()};
  }
  const weir_plugin* get() const { return &plugin_; }

 private:
  std::vector<weir_node_type> types_;
  std::vector<const weir_node_type*> pointers_;
  std::vector<weir_app_type> app_types_;
  std::vector<const weir_app_type*> app_pointers_;
  weir_plugin plugin_;
};

}  // namespace detail

// Declares node type `name` implemented by class T (derived from weir::Node).
template <class T>
  requires std::derived_from<T, Node>
weir_node_type node(const char* name, weir_node_kind kind, const char* description,
                    const char* config_schema = nullptr, std::uint32_t max_batch = 1,
                    const char* app_type = nullptr) {
  return weir_node_type{sizeof(weir_node_type), name,           kind,
                        description,            config_schema,  max_batch,
                        &detail::validate<T>,   &detail::create<T>, &detail::destroy,
                        &detail::process,       app_type};
}

// Declares an application type `name` (apps name it "<plugin>.<name>"):
// its settings' JSON Schema and the check request of `weir apps check`.
inline weir_app_type app_type(const char* name, const char* description,
                              const char* settings_schema = nullptr,
                              const char* check_target = nullptr) {
  return weir_app_type{sizeof(weir_app_type), name, description, settings_schema, check_target};
}

}  // namespace weir

// With application types, in parentheses:
//   WEIR_PLUGIN_WITH_APP_TYPES("shop", "1.0.0", "Shop",
//       ({weir::app_type("store", "A shop", kSettingsSchema, "system_status")}),
//       weir::node<Push>("push", WEIR_NODE_CONNECTOR, "Pushes", nullptr, 1, "shop.store"));
#define WEIR_PLUGIN_WITH_APP_TYPES(NAME, VERSION, DESCRIPTION, APP_TYPES, ...)             \
  extern "C" WEIR_EXPORT const weir_plugin* weir_plugin_entry(void) {                     \
    static const ::weir::detail::PluginHolder weir_plugin_holder(                          \
        NAME, VERSION, DESCRIPTION, std::vector<weir_app_type> APP_TYPES, {__VA_ARGS__});  \
    return weir_plugin_holder.get();                                                       \
  }

// Exports the plugin: WEIR_PLUGIN(name, version, description, weir::node<...>(...), ...)
#define WEIR_PLUGIN(NAME, VERSION, DESCRIPTION, ...)                                       \
  extern "C" WEIR_EXPORT const weir_plugin* weir_plugin_entry(void) {                     \
    static const ::weir::detail::PluginHolder weir_plugin_holder(NAME, VERSION, DESCRIPTION, \
                                                                 {__VA_ARGS__});           \
    return weir_plugin_holder.get();                                                       \
  }
