// /wc/v3/products/categories, /wc/v3/orders and /wc/v3/webhooks.
#include <algorithm>
#include <cctype>

#include "listing.hpp"
#include "shop.hpp"

namespace weir::sims::woo {

namespace {

std::optional<std::int64_t> id_segment(const std::string& s) {
  if (s.empty() || s.size() > 18 || !std::all_of(s.begin(), s.end(), [](char ch) {
        return std::isdigit(static_cast<unsigned char>(ch));
      })) {
    return std::nullopt;
  }
  return std::stoll(s);
}

Json item_error(const Json& id, const RestError& e) {
  return Json{{"id", id}, {"error", {{"code", e.code}, {"message", e.message}, {"data", e.data}}}};
}

}  // namespace

Response Shop::categories(Call& c, const std::vector<std::string>& parts) {
  // parts: categories[/batch|/<id>]
  auto create = [&](const Json& body) -> std::variant<std::int64_t, RestError> {
    if (!body.is_object() || !body.contains("name") || !body["name"].is_string()) {
      RestError e = make_error(400, "rest_missing_callback_param", "Missing parameter(s): name");
      e.data["params"] = Json::array({"name"});
      return e;
    }
    Category cat;
    cat.name = body["name"];
    cat.slug = sanitize_title(body.value("slug", cat.name));
    for (const auto& existing : catalog_.categories()) {
      if (existing.name == cat.name && existing.parent == body.value("parent", std::int64_t{0})) {
        RestError e = make_error(400, "term_exists",
                                 "A term with the name provided already exists with this parent.");
        e.data["resource_id"] = existing.id;
        e.data["term_id"] = existing.id;
        return e;
      }
    }
    cat.parent = body.value("parent", std::int64_t{0});
    cat.description = body.value("description", std::string());
    cat.id = catalog_.next_category_id();
    catalog_.categories().push_back(cat);
    return cat.id;
  };
  const RenderContext ctx = render_context(c.site);
  if (parts.size() == 1) {
    if (c.method == "GET") {
      auto parsed = read_list_params(c.req, clock_, {"name", "id", "slug", "include"});
      if (auto* e = std::get_if<RestError>(&parsed)) return error_reply(*e);
      if (!c.authenticated) return error_reply(denied("view"));
      ListParams p = std::get<ListParams>(parsed);
      if (!c.req.has_param("order")) p.descending = false;  // terms: asc by default
      std::vector<const Category*> all;
      for (const auto& cat : catalog_.categories()) {
        if (p.id_match(cat.id)) all.push_back(&cat);
      }
      if (p.orderby == "name") {
        std::stable_sort(all.begin(), all.end(),
                         [](auto* a, auto* b) { return a->name < b->name; });
      } else if (p.orderby == "slug") {
        std::stable_sort(all.begin(), all.end(),
                         [](auto* a, auto* b) { return a->slug < b->slug; });
      }
      if (p.descending) std::reverse(all.begin(), all.end());
      Json out = Json::array();
      for (std::size_t i = static_cast<std::size_t>(p.first_index());
           i < all.size() && out.size() < static_cast<std::size_t>(p.per_page); ++i) {
        out.push_back(render_category(*all[i], ctx));
      }
      Response res = json_reply(200, out);
      add_page_headers(res, c.req, c.site, "/wc/v3/products/categories", p, all.size());
      return res;
    }
    if (c.method != "POST") return error_reply(no_route());
    if (!c.authenticated) return error_reply(denied("create"));
    auto r = create(c.json());
    if (auto* e = std::get_if<RestError>(&r)) return error_reply(*e);
    return json_reply(201,
                      render_category(*catalog_.find_category(std::get<std::int64_t>(r)), ctx));
  }
  if (parts.size() == 2 && parts[1] == "batch") {
    const Json& body = c.json();
    auto list = [&](const char* k) {
      return body.contains(k) && body[k].is_array() ? body[k] : Json::array();
    };
    const Json creates = list("create"), updates = list("update"), deletes = list("delete");
    if (creates.size() + updates.size() + deletes.size() > 100) {
      return error_reply(make_error(413, "woocommerce_rest_request_entity_too_large",
                                    "Unable to accept more than 100 items for this request."));
    }
    if (!c.authenticated) return error_reply(denied("batch"));
    stats_.batch_request();
    Json out = Json::object();
    for (const Json& item : creates) {
      auto r = create(item);
      if (auto* e = std::get_if<RestError>(&r)) {
        out["create"].push_back(item_error(0, *e));
      } else {
        out["create"].push_back(
            render_category(*catalog_.find_category(std::get<std::int64_t>(r)), ctx));
      }
    }
    for (const Json& item : updates) {
      const std::int64_t id = item.value("id", std::int64_t{0});
      Category* cat = catalog_.find_category(id);
      if (!cat) {
        out["update"].push_back(item_error(
            item.value("id", Json(nullptr)),
            make_error(404, "woocommerce_rest_term_invalid", "Resource does not exist.")));
        continue;
      }
      if (item.contains("name") && item["name"].is_string()) cat->name = item["name"];
      if (item.contains("slug") && item["slug"].is_string())
        cat->slug = sanitize_title(item["slug"]);
      if (item.contains("parent") && item["parent"].is_number()) cat->parent = item["parent"];
      out["update"].push_back(render_category(*cat, ctx));
    }
    for (const Json& item : deletes) {
      const std::int64_t id = item.is_number() ? item.get<std::int64_t>() : 0;
      Category* cat = catalog_.find_category(id);
      if (!cat) {
        out["delete"].push_back(item_error(
            id, make_error(404, "woocommerce_rest_term_invalid", "Resource does not exist.")));
        continue;
      }
      out["delete"].push_back(render_category(*cat, ctx));
      auto& all = catalog_.categories();
      all.erase(all.begin() + (cat - all.data()));
    }
    return json_reply(200, out.empty() ? Json::array() : out);
  }
  const auto id = parts.size() == 2 ? id_segment(parts[1]) : std::nullopt;
  if (!id) return error_reply(no_route());
  Category* cat = catalog_.find_category(*id);
  if (!c.authenticated)
    return error_reply(denied(c.method == "GET"      ? "view"
                              : c.method == "DELETE" ? "delete"
                                                     : "edit"));
  if (!cat)
    return error_reply(
        make_error(404, "woocommerce_rest_term_invalid", "Resource does not exist."));
  if (c.method == "GET") return json_reply(200, render_category(*cat, ctx));
  if (c.method == "DELETE") {
    if (!read_bool(c.req.param("force")).value_or(false)) {
      return error_reply(make_error(501, "woocommerce_rest_trash_not_supported",
                                    "Resource does not support trashing."));
    }
    Json before = render_category(*cat, ctx);
    auto& all = catalog_.categories();
    all.erase(all.begin() + (cat - all.data()));
    return json_reply(200, before);
  }
  const Json& body = c.json();
  if (body.contains("name") && body["name"].is_string()) cat->name = body["name"];
  if (body.contains("slug") && body["slug"].is_string()) cat->slug = sanitize_title(body["slug"]);
  if (body.contains("parent") && body["parent"].is_number()) cat->parent = body["parent"];
  if (body.contains("description") && body["description"].is_string())
    cat->description = body["description"];
  return json_reply(200, render_category(*cat, ctx));
}

std::optional<RestError> Shop::order_write(Call& c, const Order& base, const Json& body,
                                           bool strict, std::int64_t* id) {
  const OrderWrite w = write_order(orders_, catalog_, base, body, strict, c.now);
  if (w.error) return w.error;
  *id = w.id;
  c.events.push_back({base.id == 0 ? "order.created" : "order.updated", w.id});
  for (std::int64_t pid : w.touched_products) c.events.push_back({"product.updated", pid});
  return std::nullopt;
}

Response Shop::orders(Call& c, const std::vector<std::string>& parts) {
  const RenderContext ctx = render_context(c.site);
  const bool write = c.method == "POST" || c.method == "PUT" || c.method == "PATCH";
  if (parts.size() == 1) {
    if (c.method == "GET") return list_orders(c);
    if (c.method != "POST") return error_reply(no_route());
    if (!c.authenticated) return error_reply(denied("create"));
    std::int64_t id = 0;
    if (auto e = order_write(c, Order{}, c.json(), true, &id)) return error_reply(*e);
    return json_reply(201, render_order(*orders_.find(id), ctx));
  }
  if (parts.size() == 2 && parts[1] == "batch") {
    if (!write) return error_reply(no_route());
    return order_batch(c);
  }
  if (parts.size() == 3 && parts[2] == "notes") return order_notes(c, parts);
  const auto id = parts.size() == 2 ? id_segment(parts[1]) : std::nullopt;
  if (!id) return error_reply(no_route());
  Order* o = orders_.find(*id);
  auto invalid = [&](int status) {
    return error_reply(make_error(status, "woocommerce_rest_shop_order_invalid_id", "Invalid ID."));
  };
  if (o && !c.authenticated) {
    return error_reply(denied(c.method == "GET"      ? "view"
                              : c.method == "DELETE" ? "delete"
                                                     : "edit"));
  }
  if (c.method == "GET") return o ? json_reply(200, render_order(*o, ctx)) : invalid(404);
  if (write) {
    if (!o) return invalid(400);
    std::int64_t out = 0;
    if (auto e = order_write(c, *o, c.json(), true, &out)) return error_reply(*e);
    return json_reply(200, render_order(*orders_.find(out), ctx));
  }
  if (c.method == "DELETE") {
    if (!o) return invalid(404);
    Json before = render_order(*o, ctx);
    if (read_bool(c.req.param("force")).value_or(false)) {
      orders_.erase(*id);
    } else {
      o->status = "trash";
      before["status"] = "trash";
    }
    c.events.push_back({"order.deleted", *id});
    return json_reply(200, before);
  }
  return error_reply(no_route());
}

// orders/<id>/notes: GET lists an order's notes (newest first, as
// WooCommerce does), POST adds one: {"note": text (required), "customer_note":
// bool}, answering 201 with the note.
Response Shop::order_notes(Call& c, const std::vector<std::string>& parts) {
  const auto id = id_segment(parts[1]);
  Order* o = id ? orders_.find(*id) : nullptr;
  if (c.method != "GET" && c.method != "POST") return error_reply(no_route());
  if (!c.authenticated) return error_reply(denied(c.method == "GET" ? "view" : "create"));
  if (!o) {
    return error_reply(make_error(404, "woocommerce_rest_order_invalid_id", "Invalid order ID."));
  }
  if (c.method == "GET") {
    Json out = Json::array();
    for (auto it = o->notes.rbegin(); it != o->notes.rend(); ++it) out.push_back(*it);
    return json_reply(200, out);
  }
  const Json body = c.json();
  if (!body.is_object() || !body.contains("note") || !body["note"].is_string() ||
      body["note"].get<std::string>().empty()) {
    return error_reply(make_error(400, "rest_missing_callback_param", "Missing parameter(s): note"));
  }
  const std::string when = clock_.site(c.now), when_gmt = clock_.gmt(c.now);
  Json note = {{"id", ++last_note_id_},
               {"author", "WooCommerce"},
               {"date_created", when},
               {"date_created_gmt", when_gmt},
               {"note", body["note"]},
               {"customer_note", body.value("customer_note", false)},
               {"added_by_user", false}};
  o->notes.push_back(note);
  return json_reply(201, note);
}

Response Shop::list_orders(Call& c) {
  std::vector<std::pair<std::string, std::string>> extra;
  std::vector<std::string> statuses;
  std::vector<std::string> allowed = kOrderStatuses;
  allowed.insert(allowed.begin(), "any");
  for (std::string s = c.req.param("status", "any"); !s.empty();) {
    const auto comma = s.find(',');
    statuses.push_back(s.substr(0, comma));
    s = comma == std::string::npos ? "" : s.substr(comma + 1);
  }
  for (const auto& s : statuses) {
    if (std::find(allowed.begin(), allowed.end(), s) == allowed.end()) {
      extra.emplace_back("status", "status[0] is not one of " + not_one_of("", allowed).substr(15));
      break;
    }
  }
  auto parsed = read_list_params(
      c.req, clock_, {"date", "id", "include", "title", "slug", "modified"}, std::move(extra));
  if (auto* e = std::get_if<RestError>(&parsed)) return error_reply(*e);
  const ListParams& p = std::get<ListParams>(parsed);
  if (!c.authenticated) return error_reply(denied("view"));
  const bool any = std::find(statuses.begin(), statuses.end(), "any") != statuses.end();
  std::vector<std::int64_t> ids;
  for (const auto& [id, o] : orders_.all()) {
    if (any ? o.status == "trash"
            : std::find(statuses.begin(), statuses.end(), o.status) == statuses.end())
      continue;
    if (!p.id_match(id) || !p.dates_match(clock_, o.created, o.modified)) continue;
    ids.push_back(id);
  }
  const bool by_id = p.orderby != "date" && p.orderby != "modified";
  auto key = [&](std::int64_t id) {
    const Order& o = *orders_.find(id);
    return p.orderby == "modified" ? o.modified : o.created;
  };
  auto less = [&](std::int64_t a, std::int64_t b) { return key(a) < key(b); };
  sort_for_listing(ids, less, by_id, p.descending);
  const auto page = page_of(
      ids, p, [&](std::int64_t a, std::int64_t b) { return key(a) == key(b); }, !by_id, rng_);
  Json out = Json::array();
  const RenderContext ctx = render_context(c.site);
  for (std::int64_t id : page) out.push_back(render_order(*orders_.find(id), ctx));
  Response res = json_reply(200, out);
  add_page_headers(res, c.req, c.site, "/wc/v3/orders", p, ids.size());
  return res;
}

Response Shop::order_batch(Call& c) {
  const Json& body = c.json();
  auto list = [&](const char* k) {
    return body.contains(k) && body[k].is_array() ? body[k] : Json::array();
  };
  const Json creates = list("create"), updates = list("update"), deletes = list("delete");
  if (creates.size() + updates.size() + deletes.size() > 100) {
    return error_reply(make_error(413, "woocommerce_rest_request_entity_too_large",
                                  "Unable to accept more than 100 items for this request."));
  }
  if (!c.authenticated) return error_reply(denied("batch"));
  stats_.batch_request();
  const RenderContext ctx = render_context(c.site);
  Json out = Json::object();
  for (const Json& item : creates) {
    std::int64_t id = 0;
    if (auto e = order_write(c, Order{}, item, false, &id)) {
      out["create"].push_back(item_error(0, *e));
    } else {
      out["create"].push_back(render_order(*orders_.find(id), ctx));
    }
  }
  for (const Json& item : updates) {
    const Json given = item.is_object() && item.contains("id") ? item["id"] : Json(nullptr);
    Order* o = given.is_number() ? orders_.find(given.get<std::int64_t>()) : nullptr;
    std::int64_t id = 0;
    std::optional<RestError> e =
        o ? order_write(c, *o, item, false, &id)
          : std::optional<RestError>(
                make_error(400, "woocommerce_rest_shop_order_invalid_id", "Invalid ID."));
    out["update"].push_back(e ? item_error(given, *e) : render_order(*orders_.find(id), ctx));
  }
  for (const Json& item : deletes) {
    const std::int64_t id = item.is_number() ? item.get<std::int64_t>() : 0;
    if (id == 0) continue;
    const Order* o = orders_.find(id);
    if (!o) {
      out["delete"].push_back(
          item_error(id, make_error(404, "woocommerce_rest_shop_order_invalid_id", "Invalid ID.")));
      continue;
    }
    out["delete"].push_back(render_order(*o, ctx));
    orders_.erase(id);
    c.events.push_back({"order.deleted", id});
  }
  return json_reply(200, out.empty() ? Json::array() : out);
}

Response Shop::webhooks(Call& c, const std::vector<std::string>& parts) {
  // Called without mu_: creating one pings its URL.
  if (parts.size() == 1) {
    if (c.method == "GET") {
      auto parsed = read_list_params(c.req, clock_, {"date", "id", "include", "title"});
      if (auto* e = std::get_if<RestError>(&parsed)) return error_reply(*e);
      if (!c.authenticated) return error_reply(denied("view"));
      const ListParams& p = std::get<ListParams>(parsed);
      const auto all = hooks_->all();
      Json out = Json::array();
      for (std::size_t i = static_cast<std::size_t>(p.first_index());
           i < all.size() && out.size() < static_cast<std::size_t>(p.per_page); ++i) {
        out.push_back(render_webhook(all[i], clock_));
      }
      Response res = json_reply(200, out);
      add_page_headers(res, c.req, c.site, "/wc/v3/webhooks", p, all.size());
      return res;
    }
    if (c.method != "POST") return error_reply(no_route());
    if (!c.authenticated) return error_reply(denied("create"));
    auto r = hooks_->create(c.json(), c.site, c.now);
    if (auto* e = std::get_if<RestError>(&r)) return error_reply(*e);
    return json_reply(201, render_webhook(std::get<Webhook>(r), clock_));
  }
  const auto id = parts.size() == 2 ? id_segment(parts[1]) : std::nullopt;
  if (!id) return error_reply(no_route());
  if (!c.authenticated)
    return error_reply(denied(c.method == "GET"      ? "view"
                              : c.method == "DELETE" ? "delete"
                                                     : "edit"));
  auto invalid = [] {
    return error_reply(make_error(404, "woocommerce_rest_webhook_invalid_id", "Invalid ID."));
  };
  if (c.method == "GET") {
    auto w = hooks_->find(*id);
    return w ? json_reply(200, render_webhook(*w, clock_)) : invalid();
  }
  if (c.method == "DELETE") {
    if (!read_bool(c.req.param("force")).value_or(false)) {
      return error_reply(make_error(501, "woocommerce_rest_trash_not_supported",
                                    "Webhooks do not support trashing."));
    }
    auto w = hooks_->erase(*id);
    return w ? json_reply(200, render_webhook(*w, clock_)) : invalid();
  }
  auto r = hooks_->update(*id, c.json(), c.now);
  if (auto* e = std::get_if<RestError>(&r)) return error_reply(*e);
  return json_reply(200, render_webhook(std::get<Webhook>(r), clock_));
}

}  // namespace weir::sims::woo
