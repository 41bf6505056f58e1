#include "rest_nodes.hpp"

#include <algorithm>

namespace weir::erp {
namespace {

// Sends a rendered request; a non-2xx answer (or none) throws Outcome with
// the right result (retry, or failed with the ERP's own words).
HttpResponse send(Context& ctx, const HttpRequest& r) {
  HttpResponse answer = ctx.http(r);
  if (auto bad = answer.problem()) throw Outcome(*bad);
  return answer;
}

std::string must(std::optional<std::string> v, const std::string& error) {
  if (!v) throw Outcome(Result::failed(error));
  return *v;
}

// Each text value in `body` rendered as a template (keys stay as written).
void fill_templates(Json& body, const Json& doc, const std::map<std::string, std::string>& extra) {
  if (body.is_string()) {
    std::string error;
    body = must(render(body.get<std::string>(), doc, extra, &error), error);
  } else if (body.is_object() || body.is_array()) {
    for (auto& v : body) fill_templates(v, doc, extra);
  }
}

// A request spec filled in from `doc` and `extra`.
HttpRequest build(const RequestSpec& spec, const Json& doc,
                  const std::map<std::string, std::string>& extra, bool with_body) {
  std::string error;
  HttpRequest r;
  r.method = spec.method;
  r.target = must(render(spec.path, doc, extra, &error), error);
  for (const auto& [name, pattern] : spec.params) {
    r.query[name] = must(render(pattern, doc, extra, &error), error);
  }
  if (with_body) {
    if (!spec.body) {
      r.body = doc.dump();
    } else if (spec.body->is_string()) {
      r.body = must(render(spec.body->get<std::string>(), doc, extra, &error), error);
    } else {
      Json body = *spec.body;
      fill_templates(body, doc, extra);
      r.body = body.dump();
    }
    r.headers["content-type"] = "application/json";
  }
  return r;
}

// The id in an answer or record: at `id`, or (an empty path) the whole
// body: a number, a JSON string, or plain text.
std::optional<std::string> id_in(const std::string& body, const Json* parsed, const FieldPath& id) {
  if (id.text.empty()) {
    Json whole = parsed ? *parsed : Json::parse(body, nullptr, false);
    if (whole.is_string()) return whole.get<std::string>();
    if (whole.is_number_integer() || whole.is_number_unsigned()) return whole.dump();
    std::string text = body;
    text.erase(std::remove_if(text.begin(), text.end(), ::isspace), text.end());
    if (!text.empty() && text.size() < 200) return text;
    return std::nullopt;
  }
  if (!parsed) return std::nullopt;
  const Json* v = id.find(*parsed);
  if (!v) return std::nullopt;
  return v->is_string() ? v->get<std::string>() : v->dump();
}

}  // namespace

const char* rest_settings_schema() {
  return R"json({"type": "object", "additionalProperties": false,
    "properties": {"check_path": {"type": "string",
                   "description": "weir apps check's request (a cheap authenticated GET)"}}})json";
}

const Json& records_of(const Json& body, const FieldPath& records, const std::string& request) {
  const Json* list = records.text.empty() ? &body : records.find(body);
  if (!list || !list->is_array()) {
    throw Outcome(Result::failed(request + ": no list of records at '" +
                                 (records.text.empty() ? std::string("(the answer itself)")
                                                       : records.text) +
                                 "' in the answer, which begins " + body.dump().substr(0, 160)));
  }
  return *list;
}

// ---- erp.list ----

const char* List::schema() { return nullptr; }  // validate() checks it, naming each problem

void List::validate(const Json& config, std::vector<std::string>& errors) {
  std::vector<std::string> problems;
  (void)parse_list(config, &problems);
  for (auto& p : problems) errors.push_back("erp.list: " + p);
}

List::List(const NodeInit& init) {
  std::vector<std::string> errors;
  auto spec = parse_list(init.config, &errors);
  if (!spec) throw std::invalid_argument("erp.list: " + errors.front());
  spec_ = std::move(*spec);
}

Result List::process(Context& ctx) {
  const Message& m = ctx.message();
  const Json doc = m.json();
  std::map<std::string, std::string> extra;
  const auto window = m.sync_window();
  const std::string format = spec_.incremental ? spec_.incremental->format : "iso8601";
  if (window) {
    extra["until"] = format_time(window->until, format);
    if (window->since) extra["since"] = format_time(*window->since, format);
  }
  HttpRequest r = build(spec_.request, doc, extra, false);
  if (spec_.incremental && extra.count("since")) {
    const Incremental& inc = *spec_.incremental;
    std::string error;
    if (!inc.param.empty()) r.query[inc.param] = extra["since"];
    else r.query[inc.filter_param] = must(render(inc.filter, doc, extra, &error), error);
  }
  const Paginator& p = spec_.paginate;
  const std::string cursor(m.cursor());
  using K = Paginator::Kind;
  long long position = p.kind == K::page ? p.start : 0;
  if (!cursor.empty() && p.kind != K::cursor) position = std::stoll(cursor);
  if (p.kind == K::page || p.kind == K::offset) r.query[p.param] = std::to_string(position);
  if (p.kind != K::none && !p.size_param.empty()) r.query[p.size_param] = std::to_string(p.size);
  if (p.kind == K::cursor && !cursor.empty()) {
    if (cursor.rfind("http://", 0) == 0 || cursor.rfind("https://", 0) == 0) {
      r.target = cursor;  // a next link: the whole request (inside the app's base_url)
      r.query.clear();
    } else {
      r.query[p.param.empty() ? "cursor" : p.param] = cursor;
    }
  }
  const HttpResponse answer = ctx.http(r);
  const std::string what = r.method + " " + r.target;
  if (std::find(spec_.empty_statuses.begin(), spec_.empty_statuses.end(), answer.status) !=
      spec_.empty_statuses.end()) {
    return Result::stop();  // no (more) records; earlier pages went on already
  }
  if (auto bad = answer.problem()) return *bad;
  const Json body = answer.json();
  const Json& records = records_of(body, spec_.records, what);
  for (const auto& record : records) ctx.emit(record);
  std::string next;
  if (p.kind == K::page || p.kind == K::offset) {
    if (static_cast<int>(records.size()) >= p.size) {
      next = std::to_string(p.kind == K::page ? position + 1
                                              : position + static_cast<long long>(records.size()));
    }
  } else if (p.kind == K::cursor) {
    if (const Json* c = p.cursor.find(body)) next = c->is_string() ? c->get<std::string>() : c->dump();
  }
  if (!next.empty() && !records.empty()) return Result::next_page(next);
  return records.empty() ? Result::stop() : Result::success();
}

// ---- erp.upsert ----

const char* Upsert::schema() { return nullptr; }

void Upsert::validate(const Json& config, std::vector<std::string>& errors) {
  std::vector<std::string> problems;
  (void)parse_write(config, &problems);
  for (auto& p : problems) errors.push_back("erp.upsert: " + p);
}

Upsert::Upsert(const NodeInit& init) {
  std::vector<std::string> errors;
  auto spec = parse_write(init.config, &errors);
  if (!spec) throw std::invalid_argument("erp.upsert: " + errors.front());
  spec_ = std::move(*spec);
}

RemoteId Upsert::write(Context& ctx, const WriteSpec& spec, const Json& doc) {
  const Json* key_value = spec.key.find(doc);
  if (!key_value) {
    throw Outcome(Result::failed("erp.upsert: the " + spec.entity + " has no '" + spec.key.text +
                                 "' (its key)"));
  }
  const std::string key = key_value->is_string() ? key_value->get<std::string>() : key_value->dump();
  auto follow_up = [&](const std::string& id) {
    for (const auto& step : spec.after_create) {
      HttpRequest r = build(step, doc, {{"id", id}}, step.body.has_value());
      const HttpResponse answer = ctx.http(r);
      if (std::find(spec.after_create_ok.begin(), spec.after_create_ok.end(), answer.status) !=
          spec.after_create_ok.end()) {
        continue;
      }
      if (auto bad = answer.problem()) throw Outcome(*bad);
    }
  };
  RemoteId id = ctx.find_or_create(
      spec.system, spec.entity, key,
      [&]() -> std::optional<std::string> {
        if (!spec.lookup) return std::nullopt;
        HttpRequest r = build(spec.lookup->request, doc, {}, false);
        const HttpResponse answer = ctx.http(r);
        const auto& empty = spec.lookup->empty_statuses;
        if (std::find(empty.begin(), empty.end(), answer.status) != empty.end()) return std::nullopt;
        if (auto bad = answer.problem()) throw Outcome(*bad);
        const Json body = answer.json();
        const Json& records = records_of(body, spec.lookup->records, r.method + " " + r.target);
        if (records.empty()) return std::nullopt;
        return id_in(records[0].dump(), &records[0], spec.id);
      },
      [&] {
        const HttpRequest create = build(spec.create, doc, {}, true);
        HttpResponse answer = ctx.http(create);
        const auto& exists = spec.exists_statuses;
        if (spec.lookup && std::find(exists.begin(), exists.end(), answer.status) != exists.end()) {
          // Two deliveries of one item at once: both looked it up, neither
          // found it, the other created it first. The next attempt's
          // lookup finds it (and does its follow-up calls).
          throw Outcome(Result::retry(create.method + " " + create.target + ": the " +
                                      spec.entity + " '" + key + "' exists already (HTTP " +
                                      std::to_string(answer.status) +
                                      "): looked up at the next attempt"));
        }
        if (auto bad = answer.problem()) throw Outcome(*bad);
        const Json parsed = Json::parse(answer.body, nullptr, false);
        const FieldPath& where = spec.created_id ? *spec.created_id : spec.id;
        auto made = id_in(answer.body, parsed.is_discarded() ? nullptr : &parsed, where);
        if (!made) {
          throw Outcome(Result::failed(spec.create.method + " " + spec.create.path +
                                       ": the answer has no id at '" + where.text +
                                       "'; it begins " + answer.body.substr(0, 160)));
        }
        follow_up(*made);
        return *made;
      });
  if (id.source == IdSource::looked_up) follow_up(id.id);
  if (!id.created() && spec.update) (void)send(ctx, build(*spec.update, doc, {{"id", id.id}}, true));
  return id;
}

Result Upsert::process(Context& ctx) {
  Json doc = ctx.message().json();
  const RemoteId id = write(ctx, spec_, doc);
  doc[spec_.entity + "_id"] = id.id;
  ctx.emit(doc);
  return Result::success();
}

}  // namespace weir::erp
