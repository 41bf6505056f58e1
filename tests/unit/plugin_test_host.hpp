// PluginTestHost: the smallest host a test needs to call a plugin's node type
// directly through the C ABI (create, process, destroy, validate_config),
// without the engine. It implements weir_host_api the way abi.h says a host
// must (emit checks the index, the finished flag and the msgpack; finish
// once per input) and records everything the plugin did.
//
// One PluginTestHost per test; process() is called on the test's thread.
// log may be called from any thread (guarded by mu_).
#pragma once

#include <weir/abi.h>

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>
#include <weir/payload.hpp>

namespace weir::test {

// How one input message ended, as the plugin reported it.
struct Answer {
  std::optional<weir_outcome> outcome;  // unset: the plugin never finished it
  std::string error;
  std::vector<std::string> targets;
  std::vector<weir::Json> outputs;
  std::vector<weir::Headers> output_headers;  // per output; empty: the input's
  int rejected_emits = 0;  // emits this host refused (bad msgpack, finished, ...)
};

struct LogLine {
  weir_log_level level;
  std::string text;
};

class PluginTestHost;

// A node instance; destroyed (through its type) with this object.
class TestInstance {
 public:
  TestInstance(const weir_node_type* type, weir_node_instance* p) : type_(type), p_(p) {}
  TestInstance(const TestInstance&) = delete;
  TestInstance& operator=(const TestInstance&) = delete;
  ~TestInstance() {
    if (p_) type_->destroy(p_);
  }
  weir_node_instance* get() const { return p_; }
  const weir_node_type* type() const { return type_; }

 private:
  const weir_node_type* type_;
  weir_node_instance* p_;
};

class PluginTestHost {
 public:
  // Per-topology state, as state_get/state_put see it.
  std::map<std::string, std::string> state;

  // Makes an instance of `type` with `config_json`; nullptr and *error set
  // when the plugin refuses.
  std::unique_ptr<TestInstance> create(const weir_node_type* type, const std::string& config_json,
                                       std::string* error = nullptr) {
    std::string why;
    weir_node_instance* p =
        type->create(&kApi, reinterpret_cast<weir_host*>(this),
                     weir_str{config_json.data(), config_json.size()}, &collect_error, &why);
    if (error) *error = why;
    return p ? std::make_unique<TestInstance>(type, p) : nullptr;
  }

  // Every problem validate_config reports (empty: valid).
  static std::vector<std::string> validate(const weir_node_type* type, const std::string& config) {
    std::vector<std::string> problems;
    if (!type->validate_config) return problems;
    auto sink = [](void* user, weir_str text) {
      static_cast<std::vector<std::string>*>(user)->emplace_back(text.data, text.size);
    };
    type->validate_config(weir_str{config.data(), config.size()}, sink, &problems);
    return problems;
  }

  // Calls process() once with `payloads` as one batch, at node `node_id`.
  std::vector<Answer> process(const TestInstance& instance, const std::vector<weir::Json>& payloads,
                              const std::string& node_id = "node") {
    Call call{this, std::vector<Answer>(payloads.size())};
    std::vector<weir::Bytes> bytes;
    for (const auto& p : payloads) bytes.push_back(weir::payload::from_json(p));
    static const weir::Bytes kNoHeaders = weir::payload::encode_headers({});
    std::vector<weir_message> messages(payloads.size());
    std::vector<const weir_message*> pointers;
    for (size_t i = 0; i < payloads.size(); ++i) {
      weir_message& m = messages[i];
      m.struct_size = sizeof(weir_message);
      m.message_id = 100 + i;
      m.process_id = 7;
      m.parent_id = 0;
      m.correlation_id = str("corr-1");
      m.topology = str("test");
      m.node_id = str(node_id);
      m.attempt = 1;
      m.headers = weir_bytes{kNoHeaders.data(), kNoHeaders.size()};
      m.payload = weir_bytes{bytes[i].data(), bytes[i].size()};
      pointers.push_back(&m);
    }
    instance.type()->process(instance.get(), reinterpret_cast<weir_call*>(&call), pointers.data(),
                             pointers.size());
    return std::move(call.answers);
  }

  std::vector<LogLine> logs() const {
    std::lock_guard lock(mu_);
    return logs_;
  }

 private:
  struct Call {
    PluginTestHost* host;
    std::vector<Answer> answers;
  };

  // Borrows `s`; a string literal or a string that outlives the call.
  static weir_str str(std::string_view s) { return weir_str{s.data(), s.size()}; }

  static void collect_error(void* user, weir_str text) {
    auto* out = static_cast<std::string*>(user);
    if (!out->empty()) *out += "; ";
    out->append(text.data, text.size);
  }

  static void log(weir_host* host, weir_log_level level, weir_str text) {
    auto* self = reinterpret_cast<PluginTestHost*>(host);
    std::lock_guard lock(self->mu_);
    self->logs_.push_back(LogLine{level, std::string(text.data, text.size)});
  }

  static int emit(weir_call* c, size_t index, weir_bytes payload, weir_bytes headers) {
    auto* call = reinterpret_cast<Call*>(c);
    if (index >= call->answers.size()) return -1;
    Answer& a = call->answers[index];
    std::span<const std::uint8_t> bytes(payload.data, payload.size);
    if (a.outcome || !weir::payload::is_valid(bytes)) {
      ++a.rejected_emits;
      return -1;
    }
    a.outputs.push_back(weir::payload::to_json(bytes));
    a.output_headers.push_back(weir::payload::decode_headers({headers.data, headers.size}));
    return 0;
  }

  static int finish(weir_call* c, size_t index, const weir_result* r) {
    auto* call = reinterpret_cast<Call*>(c);
    if (index >= call->answers.size() || call->answers[index].outcome) return -1;
    Answer& a = call->answers[index];
    a.outcome = r->outcome;
    a.error.assign(r->error.data, r->error.size);
    for (size_t i = 0; i < r->target_count; ++i) {
      a.targets.emplace_back(r->targets[i].data, r->targets[i].size);
    }
    return 0;
  }

  static int state_get(weir_call* c, weir_str key, void (*sink)(void*, weir_bytes), void* user) {
    auto& state = reinterpret_cast<Call*>(c)->host->state;
    auto it = state.find(std::string(key.data, key.size));
    if (it == state.end()) return 0;
    sink(user,
         weir_bytes{reinterpret_cast<const std::uint8_t*>(it->second.data()), it->second.size()});
    return 1;
  }

  static int state_put(weir_call* c, weir_str key, weir_bytes value) {
    reinterpret_cast<Call*>(c)->host->state[std::string(key.data, key.size)] =
        std::string(reinterpret_cast<const char*>(value.data), value.size);
    return 0;
  }

  static const weir_host_api kApi;

  mutable std::mutex mu_;
  std::vector<LogLine> logs_;  // guarded by mu_
};

inline const weir_host_api PluginTestHost::kApi{sizeof(weir_host_api),
                                                WEIR_ABI_MAJOR,
                                                WEIR_ABI_MINOR,
                                                &PluginTestHost::log,
                                                &PluginTestHost::emit,
                                                &PluginTestHost::finish,
                                                &PluginTestHost::state_get,
                                                &PluginTestHost::state_put};

}  // namespace weir::test
