#include "categories.hpp"

namespace weir::magento {

const char* CreateCategory::schema() {
  return R"json({
    "type": "object",
    "additionalProperties": false,
    "properties": {
      "system": {"type": "string", "default": "shop",
                 "description": "the ID map's system for the shop's categories"},
      "store": {"type": "string", "default": "all",
                "description": "the store code the calls go through (categories are global)"},
      "root": {"type": "integer", "minimum": 1, "default": 2,
               "description": "the parent of a category made without one (2: Default Category)"}
    }
  })json";
}

CreateCategory::CreateCategory(const NodeInit& init)
    : system_(init.config.value("system", std::string("shop"))),
      root_(init.config.value("root", 2LL)) {
  std::vector<std::string> errors;
  store_ = init.config.contains("store") ? store_of(init.config, errors) : "all";
  if (!errors.empty()) throw std::invalid_argument("magento.create_category: " + errors.front());
}

Result CreateCategory::process(Context& ctx) {
  const Json in = ctx.message().json();
  const std::string name =
      in.is_object() && in.contains("name") && in["name"].is_string() ? in["name"].get<std::string>()
                                                                        : std::string();
  if (name.empty()) {
    return Result::failed("magento.create_category: no category name in " + in.dump().substr(0, 200));
  }
  long long parent = root_;
  if (in.contains("parent") && in["parent"].is_string()) {
    const auto mapped = ctx.id_get(system_, "category", in["parent"].get<std::string>());
    if (!mapped) {
      return Result::failed("magento.create_category: the parent category '" +
                            in["parent"].get<std::string>() + "' of '" + name +
                            "' is not in the shop yet (make it first)");
    }
    parent = std::stoll(*mapped);
  }
  const RemoteId id = ctx.find_or_create(
      system_, "category", name, [&] { return find_category(ctx, store_, name, parent); },
      [&]() -> std::string {
        HttpRequest r;
        r.method = "POST";
        r.target = v1(store_, "categories");
        r.body = Json{{"category",
                       {{"name", name}, {"parent_id", parent}, {"is_active", true},
                        {"include_in_menu", true}}}}
                     .dump();
        r.headers["content-type"] = "application/json";
        const HttpResponse answer = ctx.http(r);
        // Made meanwhile (another host, a person): Magento refuses a second
        // category whose URL key is taken under the same parent.
        if (answer.status == 400 && answer.body.find("URL key") != std::string::npos) {
          if (auto found = find_category(ctx, store_, name, parent)) return *found;
        }
        if (auto bad = answer.problem()) throw Outcome(*bad);
        const Json made = answer.json();
        if (!made.is_object() || !made.contains("id")) {
          throw Outcome(Result::failed("POST " + r.target + ": the answer has no id: " +
                                       made.dump().substr(0, 200)));
        }
        return text_of(made["id"]);
      });
  ctx.emit(Json{{"name", name}, {"id", id.id}});
  return Result::success();
}

}  // namespace weir::magento
