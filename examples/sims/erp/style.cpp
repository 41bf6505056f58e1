#include "style.hpp"

#include <stdexcept>
#include <utility>

namespace weir::sims::erp {
namespace {

template <typename E>
using Choices = std::vector<std::pair<std::string, E>>;

template <typename E>
E pick(std::string_view flag, const std::string& value, const Choices<E>& choices) {
  std::string known;
  for (const auto& [name, e] : choices) {
    if (name == value) return e;
    known += (known.empty() ? "" : ", ") + name;
  }
  throw std::invalid_argument(std::string(flag) + ": \"" + value + "\" is none of " + known);
}

template <typename E>
std::string name_of(E e, const Choices<E>& choices) {
  for (const auto& [name, c] : choices) {
    if (c == e) return name;
  }
  return "?";
}

const Choices<Naming> kNamings{
    {"snake", Naming::kSnake}, {"pascal", Naming::kPascal}, {"camel", Naming::kCamel}};
const Choices<TimeFormat> kTimeFormats{{"iso", TimeFormat::kIso}, {"sql", TimeFormat::kSql}};
const Choices<Decimals> kDecimals{{"string", Decimals::kString}, {"number", Decimals::kNumber}};
const Choices<IdForm> kIdForms{{"number", IdForm::kNumber}, {"prefixed", IdForm::kPrefixed}};
const Choices<SinceForm> kSinceForms{{"param", SinceForm::kParam}, {"filter", SinceForm::kFilter}};
const Choices<Paging> kPagings{
    {"page", Paging::kPage}, {"offset", Paging::kOffset}, {"cursor", Paging::kCursor}};
const Choices<Envelope> kEnvelopes{
    {"bare", Envelope::kBare}, {"data", Envelope::kData}, {"value", Envelope::kValue}};
const Choices<EmptyPage> kEmptyPages{{"empty", EmptyPage::kEmpty}, {"404", EmptyPage::kNotFound}};
const Choices<CreateAnswer> kCreateAnswers{{"object", CreateAnswer::kObject},
                                           {"id", CreateAnswer::kId}};
const Choices<ErrorShape> kErrorShapes{{"single", ErrorShape::kSingle},
                                       {"list", ErrorShape::kList}};
const Choices<StatusCodes> kStatusCodes{{"names", StatusCodes::kNames},
                                        {"letters", StatusCodes::kLetters}};
const Choices<Confirm> kConfirms{{"action", Confirm::kAction}, {"patch", Confirm::kPatch}};

const char* const kStatusNames[] = {"new", "validated", "paid", "shipped", "cancelled"};
const char* const kStatusLetters[] = {"N", "V", "P", "S", "X"};

std::map<std::string, std::string> paths_under(const std::string& base,
                                               const std::vector<std::string>& names) {
  std::map<std::string, std::string> out;
  for (std::size_t i = 0; i < names.size(); ++i) out[resource_names()[i]] = base + names[i];
  return out;
}

Style classic() {
  Style s;  // the defaults are the classic style
  s.name = "classic";
  s.paths = paths_under("/api/v1/", resource_names());
  return s;
}

Style filter() {
  Style s;
  s.name = "filter";
  s.paths = paths_under(
      "/rest/", {"items", "prices", "stock", "customers", "orders", "categories", "warehouses"});
  s.naming = Naming::kPascal;
  s.renames = {{"sku", "ItemCode"}, {"products.name", "ItemName"}, {"updated_at", "LastModified"}};
  s.time_format = TimeFormat::kSql;
  s.decimals = Decimals::kNumber;
  s.ids = IdForm::kPrefixed;
  s.since = SinceForm::kFilter;
  s.paging = Paging::kOffset;
  s.size_param = "limit";
  s.default_page_size = 100;
  s.max_page_size = 500;
  s.envelope = Envelope::kBare;
  s.empty_page = EmptyPage::kNotFound;
  s.create_answer = CreateAnswer::kId;
  s.errors = ErrorShape::kSingle;
  s.statuses = StatusCodes::kLetters;
  s.confirm = Confirm::kPatch;
  return s;
}

Style cursor() {
  Style s;
  s.name = "cursor";
  s.paths = paths_under("/odata/", {"Products", "Prices", "Stock", "Customers", "Orders",
                                    "Categories", "Warehouses"});
  s.naming = Naming::kCamel;
  s.decimals = Decimals::kNumber;
  s.since_param = "changedSince";
  s.paging = Paging::kCursor;
  s.cursor_param = "skiptoken";
  s.size_param = "pageSize";
  s.max_page_size = 200;
  s.envelope = Envelope::kValue;
  s.confirm_action = "confirm";
  return s;
}

std::string convert(std::string_view canonical, Naming naming) {
  if (naming == Naming::kSnake) return std::string(canonical);
  std::string out;
  bool upper = naming == Naming::kPascal;
  for (char c : canonical) {
    if (c == '_') {
      upper = true;
      continue;
    }
    out += upper ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c;
    upper = false;
  }
  return out;
}

int to_int(std::string_view flag, const std::string& value, int lo, int hi) {
  std::size_t used = 0;
  int n = 0;
  try {
    n = std::stoi(value, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != value.size() || value.empty() || n < lo || n > hi) {
    throw std::invalid_argument(std::string(flag) + ": \"" + value + "\" is not a number from " +
                                std::to_string(lo) + " to " + std::to_string(hi));
  }
  return n;
}

}  // namespace

const std::vector<std::string>& resource_names() {
  static const std::vector<std::string> kNames{"products", "prices",     "stock",     "customers",
                                               "orders",   "categories", "warehouses"};
  return kNames;
}

std::vector<std::string> style_names() { return {"classic", "filter", "cursor"}; }

bool preset_style(std::string_view name, Style* out, std::string* err) {
  if (name == "classic")
    *out = classic();
  else if (name == "filter")
    *out = filter();
  else if (name == "cursor")
    *out = cursor();
  else {
    *err = "--style: \"" + std::string(name) + "\" is none of classic, filter, cursor";
    return false;
  }
  return true;
}

std::string Style::field(std::string_view resource, std::string_view canonical) const {
  auto it = renames.find(std::string(resource) + "." + std::string(canonical));
  if (it != renames.end()) return it->second;
  it = renames.find(std::string(canonical));
  if (it != renames.end()) return it->second;
  return convert(canonical, naming);
}

std::string Style::status_code(OrderStatus s) const {
  const auto i = static_cast<std::size_t>(s);
  return statuses == StatusCodes::kNames ? kStatusNames[i] : kStatusLetters[i];
}

bool Style::parse_status(std::string_view code, OrderStatus* out) const {
  for (int i = 0; i < 5; ++i) {
    const auto s = static_cast<OrderStatus>(i);
    if (status_code(s) == code) {
      *out = s;
      return true;
    }
  }
  return false;
}

namespace {
thread_local std::string request_host;  // the Host header of this thread's request
}  // namespace

void set_request_host(const std::string& host) { request_host = host; }

std::string images_base(const Style& style) {
  if (style.image_base != "self") return style.image_base;
  return "http://" + (request_host.empty() ? std::string("127.0.0.1") : request_host) + "/img";
}

bool apply_style_flag(Style& s, std::string_view flag, const std::string& value) {
  if (flag.starts_with("--path-")) {
    const std::string resource(flag.substr(7));
    if (!s.paths.count(resource)) return false;
    if (value.empty() || value[0] != '/' || value.back() == '/') {
      throw std::invalid_argument(std::string(flag) +
                                  ": a path starts with / and does not end "
                                  "with one, not \"" +
                                  value + "\"");
    }
    s.paths[resource] = value;
  } else if (flag == "--image-base") {
    if (value != "self" && value.rfind("http://", 0) != 0 && value.rfind("https://", 0) != 0) {
      throw std::invalid_argument("--image-base: an http(s) URL or self, not \"" + value + "\"");
    }
    s.image_base = value;
    while (s.image_base.size() > 1 && s.image_base.back() == '/') s.image_base.pop_back();
  } else if (flag == "--naming")
    s.naming = pick(flag, value, kNamings);
  else if (flag == "--field") {
    const auto eq = value.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == value.size()) {
      throw std::invalid_argument("--field: want canonical=wire_name, not \"" + value + "\"");
    }
    s.renames[value.substr(0, eq)] = value.substr(eq + 1);
  } else if (flag == "--time-format")
    s.time_format = pick(flag, value, kTimeFormats);
  else if (flag == "--decimals")
    s.decimals = pick(flag, value, kDecimals);
  else if (flag == "--ids")
    s.ids = pick(flag, value, kIdForms);
  else if (flag == "--since")
    s.since = pick(flag, value, kSinceForms);
  else if (flag == "--since-param")
    s.since_param = value;
  else if (flag == "--filter-param")
    s.filter_param = value;
  else if (flag == "--paging")
    s.paging = pick(flag, value, kPagings);
  else if (flag == "--page-base")
    s.page_base = to_int(flag, value, 0, 1);
  else if (flag == "--page-param")
    s.page_param = value;
  else if (flag == "--size-param")
    s.size_param = value;
  else if (flag == "--offset-param")
    s.offset_param = value;
  else if (flag == "--cursor-param")
    s.cursor_param = value;
  else if (flag == "--page-size")
    s.default_page_size = to_int(flag, value, 1, 100000);
  else if (flag == "--max-page-size")
    s.max_page_size = to_int(flag, value, 1, 100000);
  else if (flag == "--envelope")
    s.envelope = pick(flag, value, kEnvelopes);
  else if (flag == "--empty-page")
    s.empty_page = pick(flag, value, kEmptyPages);
  else if (flag == "--create-answer")
    s.create_answer = pick(flag, value, kCreateAnswers);
  else if (flag == "--errors")
    s.errors = pick(flag, value, kErrorShapes);
  else if (flag == "--status-codes")
    s.statuses = pick(flag, value, kStatusCodes);
  else if (flag == "--confirm")
    s.confirm = pick(flag, value, kConfirms);
  else if (flag == "--confirm-action")
    s.confirm_action = value;
  else if (flag == "--cancel-action")
    s.cancel_action = value;
  else
    return false;
  return true;
}

void check_style(const Style& s) {
  if (s.paging == Paging::kCursor && s.envelope == Envelope::kBare) {
    throw std::invalid_argument(
        "--paging cursor needs an envelope that carries the cursor (--envelope data or value), "
        "not bare");
  }
  if (s.default_page_size > s.max_page_size) {
    throw std::invalid_argument("--page-size " + std::to_string(s.default_page_size) +
                                " is above --max-page-size " + std::to_string(s.max_page_size));
  }
  std::map<std::string, std::string> seen;
  for (const auto& [resource, path] : s.paths) {
    if (!seen.emplace(path, resource).second) {
      throw std::invalid_argument("resources " + seen[path] + " and " + resource +
                                  " share the path " + path);
    }
  }
}

nlohmann::ordered_json Style::to_json() const {
  nlohmann::ordered_json j;
  j["style"] = name;
  j["paths"] = paths;
  j["naming"] = name_of(naming, kNamings);
  j["renames"] = renames;
  j["time_format"] = name_of(time_format, kTimeFormats);
  j["decimals"] = name_of(decimals, kDecimals);
  j["ids"] = name_of(ids, kIdForms);
  j["since"] = {{"form", name_of(since, kSinceForms)},
                {"param", since == SinceForm::kParam ? since_param : filter_param}};
  j["paging"] = {{"mode", name_of(paging, kPagings)}, {"page_base", page_base},
                 {"page_param", page_param},          {"size_param", size_param},
                 {"offset_param", offset_param},      {"cursor_param", cursor_param},
                 {"default_size", default_page_size}, {"max_size", max_page_size}};
  j["envelope"] = name_of(envelope, kEnvelopes);
  j["empty_page"] = name_of(empty_page, kEmptyPages);
  j["create_answer"] = name_of(create_answer, kCreateAnswers);
  j["errors"] = name_of(errors, kErrorShapes);
  j["status_codes"] = nlohmann::ordered_json::object();
  for (int i = 0; i < 5; ++i) j["status_codes"][kStatusNames[i]] = status_code(OrderStatus(i));
  j["confirm"] = {{"form", name_of(confirm, kConfirms)},
                  {"action", confirm_action},
                  {"cancel_action", cancel_action}};
  j["image_base"] = image_base;
  return j;
}

}  // namespace weir::sims::erp
