// An API style: every aspect of the ERP's wire format that a generic
// connector must be told by configuration (paths, field names, filtering,
// paging, envelope, create answers, errors, status codes, confirmation).
// A style is chosen by name (classic, filter, cursor; README.md lists each
// one's exact shape) and each aspect can then be overridden by a flag.
// Made once at start; read-only afterwards, so any thread may read it.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "model.hpp"

namespace weir::sims::erp {

enum class Naming { kSnake, kPascal, kCamel };
enum class TimeFormat { kIso, kSql };  // 2026-12-01T10:00:00Z | 2026-12-01 10:00:00
enum class Decimals { kString, kNumber };
enum class IdForm { kNumber, kPrefixed };  // 1001 | "SO-1001" (orders), "C00017" (customers)
enum class SinceForm { kParam, kFilter };
enum class Paging { kPage, kOffset, kCursor };
enum class Envelope { kBare, kData, kValue };
enum class EmptyPage { kEmpty, kNotFound };
enum class CreateAnswer { kObject, kId };
enum class ErrorShape { kSingle, kList };  // {"error":{...}} | {"errors":[...]}
enum class StatusCodes { kNames, kLetters };
enum class Confirm { kAction, kPatch };

// The base of image URLs for a request being answered on this thread:
// style.image_base, or with "self" this simulator's own /img (from the
// request's Host header, set by ErpSim::handle for its thread).
struct Style;
std::string images_base(const Style& style);
void set_request_host(const std::string& host);

struct Style {
  std::string name;
  // Resource ("products", "prices", "stock", "customers", "orders",
  // "categories", "warehouses") -> its collection path.
  std::map<std::string, std::string> paths;
  Naming naming = Naming::kSnake;
  // "field" or "resource.field" (canonical, snake_case) -> its wire name.
  std::map<std::string, std::string> renames;
  TimeFormat time_format = TimeFormat::kIso;
  Decimals decimals = Decimals::kString;
  IdForm ids = IdForm::kNumber;

  SinceForm since = SinceForm::kParam;
  std::string since_param = "updated_since";
  std::string filter_param = "filter";

  Paging paging = Paging::kPage;
  int page_base = 1;
  std::string page_param = "page";
  std::string size_param = "per_page";  // page size in every paging mode
  std::string offset_param = "offset";
  std::string cursor_param = "cursor";
  int default_page_size = 50;
  int max_page_size = 100;

  Envelope envelope = Envelope::kData;
  EmptyPage empty_page = EmptyPage::kEmpty;
  CreateAnswer create_answer = CreateAnswer::kObject;
  ErrorShape errors = ErrorShape::kList;
  StatusCodes statuses = StatusCodes::kNames;
  Confirm confirm = Confirm::kAction;
  std::string confirm_action = "validate";
  std::string cancel_action = "cancel";
  // Where the product images' URLs point (the ERP's CDN); "self": this
  // simulator, which serves them at /img/ (see images_base()).
  std::string image_base = "https://cdn.erp.example/img";

  // The wire name of a canonical field of `resource` (or of a nested
  // object: "addresses", "lines", "stock").
  std::string field(std::string_view resource, std::string_view canonical) const;
  std::string status_code(OrderStatus s) const;
  // Accepts the style's code for a status; false if it is none.
  bool parse_status(std::string_view code, OrderStatus* out) const;
  nlohmann::ordered_json to_json() const;
};

// The named styles; false (and `err` names the known ones) for another name.
bool preset_style(std::string_view name, Style* out, std::string* err);
std::vector<std::string> style_names();

// Applies one "--flag value" override; false if `flag` is not a style flag,
// throws std::invalid_argument for a bad value.
bool apply_style_flag(Style& style, std::string_view flag, const std::string& value);

// Throws std::invalid_argument when aspects cannot go together.
void check_style(const Style& style);

const std::vector<std::string>& resource_names();

}  // namespace weir::sims::erp
