// A resource seen as a list for GET: how many rows, the fields a client may
// filter on (canonical names and kinds), a row's value of such a field, and
// a row as JSON. Rows keep their order and index (records are only ever
// appended), which is what makes offsets and cursors stable.
// A Table borrows the ErpData: use it only while holding Erp's lock.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "erp_data.hpp"
#include "render.hpp"

namespace weir::sims::erp {

struct FieldValue {
  enum class Kind { kText, kNumber, kTime };
  Kind kind = Kind::kText;
  std::string text;
  double number = 0;
  Seconds time = 0;
};

struct TableField {
  std::string canonical;
  FieldValue::Kind kind;
};

struct Table {
  std::string resource;
  std::size_t rows = 0;
  std::vector<TableField> fields;
  std::function<FieldValue(std::size_t row, const std::string& canonical)> value;
  std::function<Json(std::size_t row)> render;
};

// One of resource_names(); the result borrows `d` and `r`.
Table make_table(const std::string& resource, const ErpData& d, const Render& r);

}  // namespace weir::sims::erp
