#include "host_api.hpp"

#include <functional>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>
#include <weir/payload.hpp>

#include "common/utf8.hpp"
#include "message/msgpack_check.hpp"

namespace weir::engine {
namespace {

// A null pointer reads as empty whatever size it claims.
std::string_view view(weir_str s) { return s.data ? std::string_view(s.data, s.size) : std::string_view(); }
std::span<const std::uint8_t> view(weir_bytes b) { return {b.data, b.data ? b.size : 0}; }

// Text a plugin hands the host (an error, a log line, a name) is stored,
// shown as JSON and grepped: it must be UTF-8 (a byte that is not becomes
// U+FFFD), and it is cut at 64 KiB so one bad plugin cannot fill the trash.
constexpr std::size_t kMaxPluginText = 64 * 1024;

std::string plugin_text(std::string_view text) {
  if (text.size() <= kMaxPluginText) return to_utf8(text);
  std::size_t cut = kMaxPluginText;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;  // whole chars
  return to_utf8(text.substr(0, cut)) + " ... (" + std::to_string(text.size() - cut) +
         " more bytes cut)";
}

spdlog::level::level_enum to_spdlog(weir_log_level level) {
  switch (level) {
    case WEIR_LOG_TRACE: return spdlog::level::trace;
    case WEIR_LOG_DEBUG: return spdlog::level::debug;
    case WEIR_LOG_INFO: return spdlog::level::info;
    case WEIR_LOG_WARN: return spdlog::level::warn;
    default: return spdlog::level::err;
  }
}

void host_log(weir_host* host, weir_log_level level, weir_str text) {
  const auto* ctx = reinterpret_cast<const InstanceContext*>(host);
  spdlog::log(to_spdlog(level), "[{}/{}] {}", ctx->topology, ctx->node, plugin_text(view(text)));
}

// The outcome slot for `index`, or null if out of range or already finished.
MessageOutcome* open_outcome(CallState* c, size_t index) {
  if (index >= c->result.outcomes.size()) return nullptr;
  MessageOutcome& m = c->result.outcomes[index];
  return m.outcome == 0 ? &m : nullptr;
}

// Refusing garbage also fails the message: a plugin that ignores the -1
// must not have its message pass on as if nothing happened.
int refuse(MessageOutcome* m, const char* what, const std::string& why) {
  m->outcome = WEIR_OUTCOME_FAILED;
  m->outputs.clear();
  m->error = std::string("node emitted ") + what + " the host refuses (not one msgpack document "
             "nested at most " + std::to_string(message::kMaxNesting) + " deep): " + why;
  return -1;
}

// Headers must be a msgpack map of string to string (abi.h). Checked here,
// so a bad map fails the node that made it, not the next one.
bool is_header_map(std::span<const std::uint8_t> bytes, std::string* why) {
  if (!message::is_one_msgpack_document(bytes, why)) return false;
  try {
    auto map = nlohmann::json::from_msgpack(bytes.begin(), bytes.end());
    if (!map.is_object()) return *why = "not a map", false;
    for (const auto& [k, v] : map.items()) {
      if (!v.is_string()) return *why = "header '" + k + "' is not a string", false;
    }
    return true;
  } catch (const nlohmann::json::exception& e) {
    return *why = e.what(), false;
  }
}

int host_emit(weir_call* call, size_t index, weir_bytes payload, weir_bytes headers) {
  CallState* c = CallState::from(call);
  MessageOutcome* m = open_outcome(c, index);
  if (!m) return -1;
  if (payload.size > message::kMaxPayloadBytes) {
    m->outcome = WEIR_OUTCOME_FAILED;
    m->outputs.clear();
    m->error = "node emitted a payload of " + std::to_string(payload.size) +
               " bytes; the limit is " + std::to_string(message::kMaxPayloadBytes);
    return -1;
  }
  std::string why;
  if (!message::is_one_msgpack_document(view(payload), &why)) return refuse(m, "a payload", why);
  if (headers.size > 0 && !is_header_map(view(headers), &why)) return refuse(m, "headers", why);
  auto p = view(payload);
  auto h = view(headers);
  m->outputs.push_back(EmittedOutput{store::Bytes(h.begin(), h.end()),
                                     store::Bytes(p.begin(), p.end())});
  return 0;
}

bool known_outcome(int o) { return o >= WEIR_OUTCOME_SUCCESS && o <= WEIR_OUTCOME_PREREQUISITE; }

constexpr std::size_t kMaxCursorBytes = 64 * 1024;

// A result the host cannot take fails its message, saying what was wrong.
int refuse_result(MessageOutcome* m, const std::string& what) {
  m->outcome = WEIR_OUTCOME_FAILED;
  m->outputs.clear();
  m->error = "node returned " + what;
  return -1;
}

int host_finish(weir_call* call, size_t index, const weir_result* r) {
  CallState* c = CallState::from(call);
  MessageOutcome* m = open_outcome(c, index);
  if (!m || !r) return -1;
  if (!WEIR_HAS_FIELD(r, weir_result, target_count) || !known_outcome(r->outcome)) {
    m->outcome = WEIR_OUTCOME_FAILED;
    m->error = "node returned a malformed result (unknown outcome or struct too small)";
    return -1;
  }
  m->outcome = r->outcome;
  m->error = plugin_text(view(r->error));
  if (WEIR_HAS_FIELD(r, weir_result, delay_ms)) m->delay_ms = r->delay_ms;  // a 1.0 plugin has none
  // Only the fields of its outcome: a C plugin may leave the others unset.
  if (m->outcome == WEIR_OUTCOME_CURSOR && WEIR_HAS_FIELD(r, weir_result, cursor)) {
    auto cursor = view(r->cursor);
    m->cursor.assign(cursor.begin(), cursor.end());
  }
  if (m->outcome == WEIR_OUTCOME_CURSOR && m->cursor.size() > kMaxCursorBytes) {
    return refuse_result(m, "a cursor of " + std::to_string(m->cursor.size()) +
                                " bytes; the limit is " + std::to_string(kMaxCursorBytes));
  }
  if (m->outcome == WEIR_OUTCOME_PREREQUISITE) {
    if (!WEIR_HAS_FIELD(r, weir_result, prerequisite_key)) {
      return refuse_result(m, "a prerequisite from a result struct too small to hold one");
    }
    m->prerequisite_topology = plugin_text(view(r->prerequisite_topology));
    m->prerequisite_key = plugin_text(view(r->prerequisite_key));
    auto payload = view(r->prerequisite_payload);
    std::string why;
    if (m->prerequisite_topology.empty()) return refuse_result(m, "a prerequisite with no topology");
    if (payload.size() > message::kMaxPayloadBytes) {
      return refuse_result(m, "a prerequisite payload of " + std::to_string(payload.size()) +
                                  " bytes; the limit is " +
                                  std::to_string(message::kMaxPayloadBytes));
    }
    if (!message::is_one_msgpack_document(payload, &why)) {
      return refuse_result(m, "a prerequisite payload the host refuses: " + why);
    }
    m->prerequisite_payload.assign(payload.begin(), payload.end());
  }
  for (size_t i = 0; r->targets && i < r->target_count; ++i) {
    m->targets.push_back(plugin_text(view(r->targets[i])));
  }
  return 0;
}

int host_state_get(weir_call* call, weir_str key, void (*sink)(void*, weir_bytes), void* user) {
  CallState* c = CallState::from(call);
  const std::string k(view(key));
  // This call's own writes first, newest wins.
  for (auto it = c->result.state_puts.rbegin(); it != c->result.state_puts.rend(); ++it) {
    if (it->first == k) {
      sink(user, weir_bytes{it->second.data(), it->second.size()});
      return 1;
    }
  }
  auto v = c->store->state_get(c->node->topology, k);
  if (!v) {
    spdlog::error("[{}/{}] state_get {}: {}", c->node->topology, c->node->node, k, v.error());
    return -1;
  }
  if (!v->has_value()) return 0;
  sink(user, weir_bytes{(*v)->data(), (*v)->size()});
  return 1;
}

int host_state_put(weir_call* call, weir_str key, weir_bytes value) {
  CallState* c = CallState::from(call);
  if (key.size == 0) return -1;
  auto v = view(value);
  c->result.state_puts.emplace_back(std::string(view(key)), store::Bytes(v.begin(), v.end()));
  return 0;
}

// The ID map (1.5). Ids are text: UTF-8, 1 to kMaxIdBytes bytes (a remote
// id may be empty in a put: forget the mapping).
constexpr std::size_t kMaxIdBytes = 1024;

bool id_text_ok(std::string_view s, bool may_be_empty = false) {
  return (may_be_empty || !s.empty()) && s.size() <= kMaxIdBytes && is_utf8(s);
}

// The newest of this call's own puts for (system, entity) that `match`es.
const store::IdPut* own_put(const CallState* c, std::string_view system, std::string_view entity,
                            const std::function<bool(const store::IdPut&)>& match) {
  for (auto it = c->result.id_puts.rbegin(); it != c->result.id_puts.rend(); ++it) {
    if (it->system == system && it->entity == entity && match(*it)) return &*it;
  }
  return nullptr;
}

// Answers through the sink: 1 found, 0 not, -1 error.
int answer_id(const CallState* c, const char* what, const Result<std::optional<std::string>>& v,
              void (*sink)(void*, weir_str), void* user) {
  if (!v) {
    spdlog::error("[{}/{}] {}: {}", c->node->topology, c->node->node, what, v.error());
    return -1;
  }
  if (!v->has_value()) return 0;
  sink(user, weir_str{(*v)->data(), (*v)->size()});
  return 1;
}

int host_id_get(weir_call* call, weir_str system, weir_str entity, weir_str local_id,
                void (*sink)(void*, weir_str), void* user) {
  if (!call || !sink) return -1;
  const CallState* c = CallState::from(call);
  const auto sys = view(system), ent = view(entity), local = view(local_id);
  if (!id_text_ok(sys) || !id_text_ok(ent) || !id_text_ok(local)) return -1;
  // This call's own puts first: a put for this local id answers; a put
  // that gave its remote id to another local id does not hide it here (the
  // commit replaces both; id_put refuses that case).
  if (const store::IdPut* own = own_put(c, sys, ent, [&](const auto& p) { return p.local_id == local; })) {
    if (own->remote_id.empty()) return 0;
    sink(user, weir_str{own->remote_id.data(), own->remote_id.size()});
    return 1;
  }
  return answer_id(c, "id_get",
                   c->store->id_get(std::string(sys), std::string(ent), std::string(local)), sink,
                   user);
}

int host_id_find(weir_call* call, weir_str system, weir_str entity, weir_str remote_id,
                 void (*sink)(void*, weir_str), void* user) {
  if (!call || !sink) return -1;
  const CallState* c = CallState::from(call);
  const auto sys = view(system), ent = view(entity), remote = view(remote_id);
  if (!id_text_ok(sys) || !id_text_ok(ent) || !id_text_ok(remote)) return -1;
  if (const store::IdPut* own = own_put(c, sys, ent, [&](const auto& p) { return p.remote_id == remote; })) {
    // Still this local id's, unless a later put of the call moved it on.
    const store::IdPut* latest = own_put(c, sys, ent, [&](const auto& p) { return p.local_id == own->local_id; });
    if (latest == own) {
      sink(user, weir_str{own->local_id.data(), own->local_id.size()});
      return 1;
    }
  }
  auto v = c->store->id_find(std::string(sys), std::string(ent), std::string(remote));
  if (v && v->has_value()) {
    // A committed mapping this call has since changed is not the answer.
    const std::string& local = **v;
    if (own_put(c, sys, ent, [&](const auto& p) { return p.local_id == local; })) return 0;
  }
  return answer_id(c, "id_find", v, sink, user);
}

int host_id_put(weir_call* call, weir_str system, weir_str entity, weir_str local_id,
                weir_str remote_id) {
  if (!call) return -1;
  CallState* c = CallState::from(call);
  const auto sys = view(system), ent = view(entity), local = view(local_id),
             remote = view(remote_id);
  if (!id_text_ok(sys) || !id_text_ok(ent) || !id_text_ok(local) ||
      !id_text_ok(remote, /*may_be_empty=*/true)) {
    return -1;
  }
  if (!remote.empty()) {
    // The remote object is another local id's already: refused, so that the
    // plugin can say so (a duplicate SKU in the ERP) instead of the commit
    // silently moving that mapping.
    int taken = -1;
    std::string other;
    auto keep = [](void* u, weir_str s) { static_cast<std::string*>(u)->assign(s.data, s.size); };
    taken = host_id_find(call, system, entity, remote_id, keep, &other);
    if (taken < 0) return -1;
    if (taken == 1 && other != local) return -1;
  }
  c->result.id_puts.push_back(store::IdPut{std::string(sys), std::string(ent), std::string(local),
                                           std::string(remote)});
  return 0;
}

// http (1.4): the request crosses into the AppGateway (the runtime's HTTP
// client) and the answer comes back through the sink, borrowed for its call.
int host_http(weir_call* call, const weir_http_request* request,
              void (*sink)(void* user, const weir_http_response* response), void* user) {
  if (!call || !sink) return -1;
  auto* c = CallState::from(call);
  AppAnswer answer;
  if (!request || !WEIR_HAS_FIELD(request, weir_http_request, body)) {
    answer.error = "http: the request is missing or too small for this host";
  } else if (c->node->app.empty()) {
    answer.error = "http: node " + c->node->node + " names no application (add app: NAME to it "
                   "in the topology)";
  } else if (!c->apps) {
    answer.error = "http: this host offers no application requests";
  } else {
    AppRequest r;
    r.method = std::string(view(request->method));
    r.target = std::string(view(request->target));
    r.body.assign(reinterpret_cast<const char*>(request->body.data), request->body.size);
    try {
      for (auto& [k, v] : payload::decode_headers({request->query.data, request->query.size})) {
        r.query.emplace_back(k, v);
      }
      for (auto& [k, v] : payload::decode_headers({request->headers.data, request->headers.size})) {
        r.headers.emplace_back(k, v);
      }
      answer = c->apps->send(c->node->app, r);
    } catch (const std::exception& e) {
      answer.error = std::string("http: query or headers are not a msgpack map of strings: ") + e.what();
    }
  }
  weir::Headers headers;
  for (auto& [k, v] : answer.headers) headers[k] = v;
  const auto packed = payload::encode_headers(headers);
  weir_http_response response{sizeof(weir_http_response),
                              answer.status,
                              weir_bytes{packed.data(), packed.size()},
                              weir_bytes{reinterpret_cast<const std::uint8_t*>(answer.body.data()),
                                         answer.body.size()},
                              weir_str{answer.error.data(), answer.error.size()},
                              answer.retry_after_ms,
                              answer.retry_later ? 1u : 0u};
  sink(user, &response);
  return answer.sent ? 0 : -1;
}

// 1.6: the settings of the node's application, read at each call.
int host_app_settings(weir_call* call, void (*sink)(void*, weir_str), void* user) {
  CallState* c = CallState::from(call);
  if (c->node->app.empty()) return 0;
  const auto json = c->apps ? c->apps->settings_json(c->node->app) : std::nullopt;
  if (!json) return -1;
  sink(user, weir_str{json->data(), json->size()});
  return 1;
}

const weir_host_api kHostApi = {
    sizeof(weir_host_api), WEIR_ABI_MAJOR,  WEIR_ABI_MINOR, &host_log,       &host_emit,
    &host_finish,          &host_state_get, &host_state_put, &host_http,      &host_id_get,
    &host_id_find,         &host_id_put,    &host_app_settings,
};

}  // namespace

const weir_host_api* host_api() { return &kHostApi; }

void fail_unfinished(CallState& call) {
  for (size_t i = 0; i < call.result.outcomes.size(); ++i) {
    MessageOutcome& m = call.result.outcomes[i];
    if (m.outcome != 0) continue;
    m.outcome = WEIR_OUTCOME_FAILED;
    m.outputs.clear();
    m.error = "node " + call.node->topology + "/" + call.node->node + " (" +
              call.node->type->full_name + ") did not finish message " +
              std::to_string(call.inputs[i].message_id);
  }
}

}  // namespace weir::engine
