// A weir plugin template: one node type, hello.greet, that adds a greeting
// to each message. Copy this folder, rename the plugin and the node, and
// replace Greet::process with your own work.
//
//   config:  {"greeting": "Hello", "field": "greeting"}   (both optional)
//   input:   {"name": "Ada"}
//   output:  {"name": "Ada", "greeting": "Hello, Ada!"}
//
// The node keeps no mutable state, so one instance may run process() on
// several threads at once (a node's `concurrency` above 1).
#include <stdexcept>
#include <string>
#include <vector>
#include <weir/weir.hpp>

namespace {

class Greet : public weir::Node {
 public:
  // What the topology's `config:` may contain; shown by tools and checked
  // when a topology is validated.
  static constexpr const char* kSchema = R"({
    "type": "object",
    "additionalProperties": false,
    "properties": {
      "greeting": {"type": "string", "default": "Hello"},
      "field": {"type": "string", "minLength": 1, "default": "greeting"}
    }
  })";

  // Checks a config when a topology is validated, before any message flows.
  // No I/O here. Each problem is one line that names the key.
  static void validate(const weir::Json& config, std::vector<std::string>& errors) {
    for (const char* key : {"greeting", "field"}) {
      if (config.contains(key) && !config[key].is_string()) {
        errors.push_back(std::string("hello.greet: ") + key + " must be a string, got " +
                         config[key].dump());
      }
    }
    if (config.contains("field") && config["field"] == "") {
      errors.push_back("hello.greet: field must not be empty");
    }
  }

  // Made once per topology node. Throwing here makes the node fail to start,
  // with this text in the host's error.
  explicit Greet(const weir::NodeInit& init)
      : greeting_(init.config.value("greeting", "Hello")),
        field_(init.config.value("field", "greeting")) {
    std::vector<std::string> errors;
    validate(init.config, errors);
    if (!errors.empty()) throw std::invalid_argument(errors.front());
  }

  // One message. Throwing fails just this message (it goes to the trash
  // with the exception's text); returning Result::failed does the same.
  weir::Result process(weir::Context& ctx) override {
    weir::Json doc = ctx.message().json();
    if (!doc.is_object()) return weir::Result::failed("hello.greet: payload is not an object");
    std::string name = doc.value("name", "stranger");
    doc[field_] = greeting_ + ", " + name + "!";
    return weir::Result::success(std::move(doc));
  }

 private:
  const std::string greeting_;
  const std::string field_;
};

}  // namespace

WEIR_PLUGIN("hello", "1.0.0", "Plugin template: greets",
            weir::node<Greet>("greet", WEIR_NODE_CUSTOM, "Adds a greeting for payload.name",
                              Greet::kSchema, /*max_batch=*/100));
