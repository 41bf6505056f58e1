#include "categories.hpp"

#include "wc_api.hpp"

namespace weir::woocommerce {

const char* CreateCategory::schema() {
  return R"({"type": "object", "additionalProperties": false,
             "properties": {"system": {"type": "string", "default": "shop"}}})";
}

CreateCategory::CreateCategory(const NodeInit& init)
    : system_(init.config.value("system", std::string("shop"))) {}

Result CreateCategory::process(Context& ctx) {
  const Json in = ctx.message().json();
  const std::string name = in.is_object() ? in.value("name", std::string()) : std::string();
  if (name.empty()) return Result::failed("woocommerce.create_category: no category name in " + in.dump());
  auto same = [](std::string a, std::string b) {
    for (auto* s : {&a, &b}) {
      for (auto& c : *s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    return a == b;
  };
  const RemoteId id = ctx.find_or_create(
      system_, "category", name,
      [&]() -> std::optional<std::string> {
        HttpRequest r;
        r.target = "products/categories";
        r.query = {{"search", name}, {"per_page", "100"}};
        for (const auto& c : call(ctx, r)) {
          if (same(c.value("name", std::string()), name)) return id_text(c["id"]);
        }
        return std::nullopt;
      },
      [&] {
        Json body{{"name", name}};
        if (in.contains("parent") && in["parent"].is_string()) {
          if (auto parent = ctx.id_get(system_, "category", in["parent"].get<std::string>())) {
            body["parent"] = std::stoll(*parent);
          }
        }
        HttpRequest r;
        r.method = "POST";
        r.target = "products/categories";
        r.body = body.dump();
        r.headers["content-type"] = "application/json";
        const HttpResponse answer = ctx.http(r);
        // Made meanwhile (another host, a person): WordPress answers
        // term_exists with the existing term's id.
        if (answer.status == 400) {
          const Json error = Json::parse(answer.body, nullptr, false);
          if (error.is_object() && error.value("code", std::string()) == "term_exists" &&
              error.contains("data") && error["data"].contains("resource_id")) {
            return id_text(error["data"]["resource_id"]);
          }
        }
        if (auto bad = answer.problem()) throw Outcome(*bad);
        return id_text(answer.json().at("id"));
      });
  ctx.emit(Json{{"name", name}, {"id", id.id}});
  return Result::success();
}

}  // namespace weir::woocommerce
