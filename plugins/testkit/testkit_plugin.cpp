// testkit: nodes for engine and end-to-end tests, driven by the payload so a
// test says in its input what each node should do. Never shipped.
//
// testkit.act (max_batch 1000). The payload is a JSON object; its directives
// are read from the top level, overlaid by "at": {"<node id>": {...}} for
// the node whose id (the topology's node id) matches; node-specific wins.
// When the payload carries no directive for this node, the node config's
// {"defaults": {...}} apply. Config "down_file": PATH simulates an outage:
// while that file exists every message gets Result::retry("... is down"). Directives, in the order they act:
//   "sleep_ms": N      sleep N ms, then go on with the others
//   "crash": true      std::abort() (kills the worker process)
//   "throw": "text"    throw std::runtime_error(text): the SDK fails the message
//   "fail": "text"     Result::failed(text): to the trash
//   "fail_hex": "ff41" Result::failed with these raw bytes (not always UTF-8)
//   "retry": "text"    Result::retry(text, "retry_after_ms" if given): later, please
//   "retry_until_attempt": N   retry ("not yet") while the delivery's attempt < N
//   "retry_while_exists": PATH retry while that file exists (a fault a test can "fix")
//   "needs": {"topology": T, "payload": P, "key": K, "unless_found": {"file": F,
//              "text": S}}   Result::needs(T, P, K): topology T must run with
//                      P first; not when file F exists and contains S (the
//                      "shop" has it already). Without unless_found: always.
//   "garbage": true    emit bytes that are not msgpack (0xc1); the host rejects
//                      them, the SDK throws, the message fails
//   "nest": N          emit a payload of N arrays nested in each other (raw
//                      msgpack); past WEIR_MAX_NESTING the host refuses it
//   "stop": true       Result::stop(): nothing goes on
//   "fanout": N        emit N outputs, each the input with "index": i added and
//                      the "fanout" directive removed (so it does not repeat
//                      downstream); other fields are kept
//   "tag": true        the output(s) get "tagged_by": "<plugin version>"
//   "note_attempt": true  the output(s) get "attempt_at": {"<node id>": attempt}
//   "forward": [ids]   Result::forward(ids) (with the outputs above, if any)
//   none of these      the input passes on unchanged
// A payload that is not an object has no directives; "fanout" and "tag" wrap
// it as {"value": <payload>, ...}.
//
// testkit.batch_probe (max_batch 1000): each output is the input with
//   "batch_size": <messages in this process() call>; all succeed.
// testkit.counter (max_batch 1): increments the integer in state key
//   config "key" (default "count") and emits {"count": n}.
// testkit.items: emits each element of the payload's "items" array as a
//   message of its own (no items: nothing goes on).
// testkit.record (max_batch 1000): appends one JSON line per message to the
//   file config "path" and passes the message on. A line is {"node",
//   "topology", "attempt", "message_id", "process_id", "parent_id",
//   "correlation_id", "headers", "payload", "pid"}; each is one write() with
//   O_APPEND, so several nodes (and hosts) may record into one file; "pid"
//   (the host's process, whose threads run the calls) tells hosts apart.
// testkit.upsert (app: a shop): creates or updates the payload's product
//   through the ID map with find_or_create (see the class); config
//   "pause_after_create": PATH waits after a create while PATH exists.
// testkit.list (app): GETs config "target" (default "items") with
//   updated_since=<ms> from the sync window's since, if any; each item of the
//   JSON array answer goes on as a message of its own.
// testkit.unfinished: finishes nothing; the host must fail those messages.
// testkit.pages: a source of {"total": N, "page": P, "pad": B} items (from
//   the payload), P per call: emits {"i": k, "pad": "xx..."} for its page and
//   asks for the next page (Result::next_page) with the offset as cursor;
//   the last page answers success. Stateless: the cursor is its memory.
//   "sleep_ms": M waits M ms per page; "lose_cursor": true asks for a next page with an empty cursor (a bug the
//   host must catch).
//
// The version comes from TESTKIT_VERSION (default "1"; a "2" build exists
// for hot-reload tests). All nodes are stateless apart from host state and
// record's file descriptor, so they are safe at any concurrency.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>
#include <weir/weir.hpp>

#ifndef TESTKIT_VERSION
#define TESTKIT_VERSION "1"
#endif

namespace {

using weir::Json;

constexpr const char* kDirectives[] = {
    "sleep_ms", "crash", "throw",   "fail",         "garbage", "stop",
    "fanout",   "tag",   "forward", "note_attempt", "retry",   "retry_until_attempt",
    "retry_while_exists", "needs", "nest", "fail_hex"};

bool is_directive(const std::string& key) {
  for (const char* d : kDirectives) {
    if (key == d) return true;
  }
  return false;
}

// The directives in `doc` for node `node_id` (an object, maybe empty).
Json payload_directives(const Json& doc, const std::string& node_id) {
  Json out = Json::object();
  if (!doc.is_object()) return out;
  for (const auto& [key, value] : doc.items()) {
    if (is_directive(key)) out[key] = value;
  }
  auto at = doc.find("at");
  if (at != doc.end() && at->is_object() && at->contains(node_id) && (*at)[node_id].is_object()) {
    out.update((*at)[node_id]);
  }
  return out;
}

// The payload without its fanout directive (top level and this node's).
Json without_fanout(Json doc, const std::string& node_id) {
  if (!doc.is_object()) return Json{{"value", doc}};
  doc.erase("fanout");
  auto at = doc.find("at");
  if (at != doc.end() && at->is_object() && at->contains(node_id) && (*at)[node_id].is_object()) {
    (*at)[node_id].erase("fanout");
  }
  return doc;
}

bool flag(const Json& d, const char* name) { return d.contains(name) && d[name] == true; }

std::string text_of(const Json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

std::int64_t count_of(const Json& d, const char* name) {
  const Json& v = d[name];
  if (!v.is_number_integer() || v.get<std::int64_t>() < 0) {
    throw std::invalid_argument(std::string("testkit: directive ") + name +
                                " must be a non-negative integer, got " + v.dump());
  }
  return v.get<std::int64_t>();
}

class Act : public weir::Node {
 public:
  static constexpr const char* kSchema = R"({
    "type": "object", "additionalProperties": false,
    "properties": {"defaults": {"type": "object"}, "down_file": {"type": "string"}}
  })";

  static void validate(const Json& config, std::vector<std::string>& errors) {
    if (config.contains("defaults") && !config["defaults"].is_object()) {
      errors.push_back("testkit.act: defaults must be an object, got " + config["defaults"].dump());
    }
  }

  explicit Act(const weir::NodeInit& init)
      : defaults_(init.config.value("defaults", Json::object())),
        down_file_(init.config.value("down_file", "")) {}

  // process() has no raw-msgpack emit (needed for "garbage"), so this node
  // answers from process_batch, with the same per-message failure handling
  // as the SDK's default.
  weir::Result process(weir::Context&) override {
    throw std::logic_error("testkit.act: process_batch handles every message");
  }

  void process_batch(weir::Batch& batch) override {
    for (size_t i = 0; i < batch.size(); ++i) {
      try {
        batch.finish(i, act(batch, i));
      } catch (const std::exception& e) {
        if (!batch.finished(i)) batch.finish(i, weir::Result::failed(e.what()));
      }
    }
  }

 private:
  weir::Result act(weir::Batch& batch, size_t i) const {
    Json doc = batch.message(i).json();
    std::string node_id(batch.message(i).node_id());
    Json d = payload_directives(doc, node_id);
    if (d.empty()) d = defaults_;
    if (d.contains("sleep_ms")) {
      std::this_thread::sleep_for(std::chrono::milliseconds(count_of(d, "sleep_ms")));
    }
    if (flag(d, "crash")) std::abort();
    if (d.contains("throw")) throw std::runtime_error(text_of(d["throw"]));
    if (d.contains("fail")) return weir::Result::failed(text_of(d["fail"]));
    if (d.contains("fail_hex")) {
      const std::string hex = text_of(d["fail_hex"]);
      std::string bytes;
      for (std::size_t k = 0; k + 1 < hex.size(); k += 2) {
        bytes += static_cast<char>(std::stoi(hex.substr(k, 2), nullptr, 16));
      }
      return weir::Result::failed(bytes);
    }
    if (!down_file_.empty() && ::access(down_file_.c_str(), F_OK) == 0) {
      return weir::Result::retry("the system behind " + node_id + " is down (" + down_file_ +
                                 " exists)");
    }
    const auto after = std::chrono::milliseconds(d.value("retry_after_ms", 0));
    if (d.contains("retry")) return weir::Result::retry(text_of(d["retry"]), after);
    if (d.contains("retry_while_exists") &&
        ::access(text_of(d["retry_while_exists"]).c_str(), F_OK) == 0) {
      return weir::Result::retry("bad address: " + text_of(d["retry_while_exists"]) + " exists",
                                 after);
    }
    if (d.contains("retry_until_attempt") &&
        batch.message(i).attempt() < static_cast<std::uint32_t>(count_of(d, "retry_until_attempt"))) {
      return weir::Result::retry("not yet: attempt " + std::to_string(batch.message(i).attempt()),
                                 after);
    }
    if (d.contains("needs") && !found(d["needs"].value("unless_found", Json::object()))) {
      const Json& n = d["needs"];
      return weir::Result::needs(n.at("topology").get<std::string>(),
                                 n.value("payload", Json::object()), n.value("key", ""),
                                 n.value("why", ""));
    }
    if (flag(d, "garbage")) {
      static const std::uint8_t kNotMsgpack[] = {0xc1};  // the one byte msgpack never uses
      batch.emit_msgpack(i, kNotMsgpack);                // the host refuses it: this throws
    }
    if (d.contains("nest")) {
      std::vector<std::uint8_t> nested(static_cast<std::size_t>(count_of(d, "nest")), 0x91);
      nested.push_back(0xc0);  // [[[...[nil]...]]]
      batch.emit_msgpack(i, nested);  // throws when the host refuses it
    }
    if (flag(d, "stop")) return weir::Result::stop();
    Json base = without_fanout(doc, node_id);
    if (flag(d, "note_attempt") && base.is_object()) {
      base["attempt_at"][node_id] = batch.message(i).attempt();
    }
    emit_outputs(batch, i, base, d);
    if (d.contains("forward")) {
      return weir::Result::forward(d["forward"].get<std::vector<std::string>>());
    }
    return weir::Result::success();
  }

  // True when {"file": F, "text": S} names a file that contains S.
  static bool found(const Json& where) {
    if (!where.contains("file")) return false;
    std::ifstream in(where["file"].get<std::string>());
    if (!in) return false;  // no such file yet
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    return text.find(where.value("text", "")) != std::string::npos;
  }

  static void emit_outputs(weir::Batch& batch, size_t i, const Json& base, const Json& d) {
    bool tag = flag(d, "tag");
    if (d.contains("fanout")) {
      for (std::int64_t n = count_of(d, "fanout"), k = 0; k < n; ++k) {
        Json out = base;
        out["index"] = k;
        if (tag) out["tagged_by"] = TESTKIT_VERSION;
        batch.emit(i, out);
      }
    } else if (tag || flag(d, "note_attempt")) {
      Json out = base;
      out["tagged_by"] = TESTKIT_VERSION;
      batch.emit(i, out);
    }
  }

  Json defaults_;
  std::string down_file_;
};

class Pages : public weir::Node {
 public:
  weir::Result process(weir::Context& ctx) override {
    const Json spec = ctx.message().json();
    const std::int64_t total = spec.value("total", std::int64_t{0});
    const std::int64_t page = std::max<std::int64_t>(1, spec.value("page", std::int64_t{100}));
    const std::string pad(spec.value("pad", std::size_t{0}), 'x');
    const std::string_view cursor = ctx.message().cursor();
    const std::int64_t from = cursor.empty() ? 0 : std::stoll(std::string(cursor));
    const std::int64_t to = std::min(total, from + page);
    for (std::int64_t i = from; i < to; ++i) ctx.emit(Json{{"i", i}, {"pad", pad}});
    // A slow source (a remote API): time for a test to act between pages.
    std::this_thread::sleep_for(std::chrono::milliseconds(spec.value("sleep_ms", 0)));
    if (to >= total) return weir::Result::success();  // the emitted items go on; done
    if (spec.value("lose_cursor", false)) return weir::Result::next_page("");  // a broken node
    return weir::Result::next_page(std::to_string(to));
  }
};

class BatchProbe : public weir::Node {
 public:
  weir::Result process(weir::Context&) override { return weir::Result::success(); }

  void process_batch(weir::Batch& batch) override {
    for (size_t i = 0; i < batch.size(); ++i) {
      try {
        Json doc = batch.message(i).json();
        if (!doc.is_object()) doc = Json{{"value", doc}};
        doc["batch_size"] = batch.size();
        batch.finish(i, weir::Result::success(doc));
      } catch (const std::exception& e) {
        if (!batch.finished(i)) batch.finish(i, weir::Result::failed(e.what()));
      }
    }
  }
};

class Counter : public weir::Node {
 public:
  static constexpr const char* kSchema = R"({
    "type": "object", "additionalProperties": false,
    "properties": {"key": {"type": "string", "default": "count"}}
  })";

  static void validate(const Json& config, std::vector<std::string>& errors) {
    if (config.contains("key") && (!config["key"].is_string() || config["key"] == "")) {
      errors.push_back("testkit.counter: key must be a non-empty string, got " +
                       config["key"].dump());
    }
  }

  explicit Counter(const weir::NodeInit& init) : key_(init.config.value("key", "count")) {}

  weir::Result process(weir::Context& ctx) override {
    std::int64_t n = 0;
    if (auto stored = ctx.state_get(key_)) n = parse_count(*stored);
    ++n;
    ctx.state_put(key_, std::to_string(n));
    return weir::Result::success(Json{{"count", n}});
  }

 private:
  std::int64_t parse_count(const std::string& text) const {
    try {
      size_t used = 0;
      std::int64_t n = std::stoll(text, &used);
      if (used == text.size()) return n;
    } catch (const std::exception&) {
    }
    throw std::runtime_error("testkit.counter: state key '" + key_ + "' holds \"" + text +
                             "\", not an integer");
  }

  std::string key_;
};

// Splits a list: each element of the payload's "items" array goes on as a
// message of its own (a source's page, without the source).
class Items : public weir::Node {
 public:
  weir::Result process(weir::Context& ctx) override {
    const Json doc = ctx.message().json();
    if (!doc.is_object() || !doc.contains("items") || !doc["items"].is_array()) {
      return weir::Result::failed("testkit.items: the payload has no \"items\" array");
    }
    for (const auto& item : doc["items"]) ctx.emit(item);
    // (success with no output would pass the input itself on)
    return doc["items"].empty() ? weir::Result::stop() : weir::Result::success();
  }
};

class Record : public weir::Node {
 public:
  static constexpr const char* kSchema = R"({
    "type": "object", "additionalProperties": false, "required": ["path"],
    "properties": {"path": {"type": "string", "minLength": 1}}
  })";

  static void validate(const Json& config, std::vector<std::string>& errors) {
    if (!config.contains("path") || !config["path"].is_string() || config["path"] == "") {
      errors.push_back("testkit.record: config needs \"path\", the file to append lines to");
    }
  }

  explicit Record(const weir::NodeInit& init) : path_(init.config.value("path", "")) {
    fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd_ < 0) {
      throw std::runtime_error("testkit.record: cannot open " + path_ + ": " +
                               std::strerror(errno));
    }
  }
  Record(const Record&) = delete;
  Record& operator=(const Record&) = delete;
  ~Record() override { ::close(fd_); }

  weir::Result process(weir::Context& ctx) override {
    const weir::Message& m = ctx.message();
    Json headers = Json::object();
    for (const auto& [k, v] : m.headers()) headers[k] = v;
    Json line = {{"node", m.node_id()},
                 {"topology", m.topology()},
                 {"attempt", m.attempt()},
                 {"message_id", m.id()},
                 {"process_id", m.process_id()},
                 {"parent_id", m.parent_id()},
                 {"correlation_id", m.correlation_id()},
                 {"headers", headers},
                 {"payload", m.json()},
                 {"pid", static_cast<std::int64_t>(::getpid())}};
    std::string text = line.dump(-1, ' ', false, Json::error_handler_t::replace) + "\n";
    ssize_t written = ::write(fd_, text.data(), text.size());
    if (written != static_cast<ssize_t>(text.size())) {
      throw std::runtime_error("testkit.record: cannot append to " + path_ + ": " +
                               (written < 0 ? std::strerror(errno) : "short write"));
    }
    return weir::Result::success();
  }

 private:
  std::string path_;
  int fd_ = -1;
};

// testkit.fetch: one request per message through the node's application
// (host API http, ABI 1.4): GET the payload's "target" (or the config's);
// success emits {"status", "body"} (the body as JSON when it parses, else
// text); no answer or a non-2xx status fails the message with what the
// host said.
class Fetch : public weir::Node {
 public:
  static constexpr const char* kSchema =
      R"({"type": "object", "properties": {"target": {"type": "string"}}, "additionalProperties": false})";
  explicit Fetch(const weir::NodeInit& init) : target_(init.config.value("target", "")) {}
  weir::Result process(weir::Context& ctx) override {
    const Json in = ctx.message().json();
    weir::HttpRequest r;
    r.target = in.is_object() && in.contains("target") ? in["target"].get<std::string>() : target_;
    const weir::HttpResponse a = ctx.http(r);
    if (auto bad = a.problem()) return *bad;  // the SDK's one call: retry, or fail with the remote text
    Json body = Json::parse(a.body, nullptr, false);
    if (body.is_discarded()) body = a.body;
    // The app's settings as the node saw them at this call (ABI 1.6).
    ctx.emit(Json{{"status", a.status}, {"body", body}, {"settings", ctx.app_settings()}});
    return weir::Result::success();
  }

 private:
  std::string target_;
};

// A shop's product write as a connector makes it, through the ID map: the
// item's "sku" is our id in (config system, default "shop"; "product").
// find_or_create: the map, else GET products?sku=SKU (a JSON array of
// {"id"}), else POST products (answers {"id"}); a found product is updated
// with PUT products/<id>. While the file config "pause_after_create" names
// exists, the node waits right after a create's answer (before its commit),
// so a test can kill the host there. Emits {"sku", "id", "source"}.
class Upsert : public weir::Node {
 public:
  static constexpr const char* kSchema = R"({"type": "object", "additionalProperties": false,
    "properties": {"system": {"type": "string"}, "pause_after_create": {"type": "string"}}})";

  explicit Upsert(const weir::NodeInit& init)
      : system_(init.config.value("system", "shop")),
        pause_file_(init.config.value("pause_after_create", "")) {}

  weir::Result process(weir::Context& ctx) override {
    const Json item = ctx.message().json();
    const std::string sku = item.at("sku").get<std::string>();
    auto call = [&](const std::string& method, const std::string& target, const Json* body,
                    const weir::Headers& query = {}) {
      weir::HttpRequest r;
      r.method = method;
      r.target = target;
      r.query = query;
      if (body) {
        r.body = body->dump();
        r.headers["content-type"] = "application/json";
      }
      weir::HttpResponse a = ctx.http(r);
      if (auto bad = a.problem()) throw weir::Outcome(*bad);
      return a.json();
    };
    auto id_text = [](const Json& id) {
      return id.is_string() ? id.get<std::string>() : id.dump();
    };
    const weir::RemoteId id = ctx.find_or_create(
        system_, "product", sku,
        [&]() -> std::optional<std::string> {
          const Json found = call("GET", "products", nullptr, {{"sku", sku}});
          if (!found.is_array() || found.empty()) return std::nullopt;
          return id_text(found[0].at("id"));
        },
        [&] {
          const std::string made = id_text(call("POST", "products", &item).at("id"));
          while (!pause_file_.empty() && ::access(pause_file_.c_str(), F_OK) == 0) {
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
          }
          return made;
        });
    if (!id.created()) (void)call("PUT", "products/" + id.id, &item);
    static constexpr const char* kSources[] = {"mapped", "looked_up", "created"};
    ctx.emit(Json{{"sku", sku}, {"id", id.id}, {"source", kSources[static_cast<int>(id.source)]}});
    return weir::Result::success();
  }

 private:
  std::string system_;
  std::string pause_file_;
};

// A delta source as a connector makes one: GET <config target, default
// "items"> through the node's app, with updated_since=<ms> from the
// process's sync window when it has a since (none: the first, full run);
// the answer is a JSON array; each item goes on as a message of its own.
class List : public weir::Node {
 public:
  static constexpr const char* kSchema = R"({"type": "object", "additionalProperties": false,
    "properties": {"target": {"type": "string"}}})";
  explicit List(const weir::NodeInit& init) : target_(init.config.value("target", "items")) {}

  weir::Result process(weir::Context& ctx) override {
    weir::HttpRequest r;
    r.target = target_;
    const auto window = ctx.message().sync_window();
    if (window && window->since) {
      r.query["updated_since"] = std::to_string(
          std::chrono::duration_cast<std::chrono::milliseconds>(
              window->since->time_since_epoch()).count());
    }
    const weir::HttpResponse a = ctx.http(r);
    if (auto bad = a.problem()) return *bad;
    const Json items = a.json();
    if (!items.is_array()) return weir::Result::failed("testkit.list: the answer is no array");
    for (const auto& item : items) ctx.emit(item);
    return items.empty() ? weir::Result::stop() : weir::Result::success();
  }

 private:
  std::string target_;
};

class Unfinished : public weir::Node {
 public:
  weir::Result process(weir::Context&) override { return weir::Result::success(); }
  void process_batch(weir::Batch&) override {}
};

}  // namespace

// An application type as a connector plugin declares one: its settings'
// schema and the check request of `weir apps check`.
constexpr const char* kShopSettings = R"({"type": "object", "required": ["store_code"],
  "additionalProperties": false,
  "properties": {"store_code": {"type": "string", "minLength": 1},
                 "check_path": {"type": "string"}}})";

WEIR_PLUGIN_WITH_APP_TYPES("testkit", TESTKIT_VERSION, "Test nodes driven by their payload (not shipped)",
            ({weir::app_type("shop", "A shop as tests see it", kShopSettings, "system_status")}),
            weir::node<Act>("act", WEIR_NODE_CUSTOM, "Does what the payload's directives say",
                            Act::kSchema, 1000),
            weir::node<BatchProbe>("batch_probe", WEIR_NODE_CUSTOM,
                                   "Adds the size of the batch it was called with", nullptr, 1000),
            weir::node<Counter>("counter", WEIR_NODE_CUSTOM,
                                "Counts calls in topology state and emits the count",
                                Counter::kSchema, 1),
            weir::node<Items>("items", WEIR_NODE_CUSTOM,
                              "Sends each element of the payload's items array on", nullptr, 1),
            weir::node<Record>("record", WEIR_NODE_CUSTOM,
                               "Appends each message as a JSON line to a file", Record::kSchema,
                               1000),
            weir::node<Unfinished>("unfinished", WEIR_NODE_CUSTOM,
                                   "Finishes no message (tests the host's guard)", nullptr, 1000),
            weir::node<Fetch>("fetch", WEIR_NODE_CUSTOM,
                              "GETs a target through the node's application", Fetch::kSchema, 1),
            weir::node<Fetch>("shop_fetch", WEIR_NODE_CONNECTOR,
                              "GETs a target through the node's testkit.shop application",
                              Fetch::kSchema, 1, "testkit.shop"),
            weir::node<Upsert>("upsert", WEIR_NODE_CONNECTOR,
                               "Creates or updates a product through the ID map (find_or_create)",
                               Upsert::kSchema, 1),
            weir::node<List>("list", WEIR_NODE_BATCH,
                             "Lists items changed in the process's sync window (GET, JSON array)",
                             List::kSchema, 1),
            weir::node<Pages>("pages", WEIR_NODE_BATCH,
                              "Pages through a made-up source of N items", nullptr, 1));
