// Conditions on a list: what the filter expression of the filter style
// parses into, and what the param style's ?updated_since=... and
// ?email=... become. The expression grammar (README.md, "Filter
// expressions"):
//
//   filter    = condition *( 1*SP "and" 1*SP condition )
//   condition = field 1*SP op 1*SP literal
//   field     = the style's wire name of a filterable field
//   op        = "eq" / "ne" / "gt" / "ge" / "lt" / "le"
//   literal   = "'" *( any byte but "'" / "''" ) "'"   ; text and times
//             / [ "-" ] 1*DIGIT [ "." 1*DIGIT ]        ; numbers
//
// A time literal is quoted and in the style's time format. Spaces around
// the whole are allowed. At most 2048 bytes and 16 conditions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "style.hpp"
#include "table.hpp"

namespace weir::sims::erp {

enum class Op { kEq, kNe, kGt, kGe, kLt, kLe };

struct Condition {
  std::string canonical;
  Op op = Op::kEq;
  FieldValue literal;  // of the field's kind
};

// False with `err` saying what and where ("at 14: ...").
bool parse_filter(std::string_view text, const Table& table, const Style& style,
                  std::vector<Condition>* out, std::string* err);

// A condition on `field` from a literal's text (unquoted). False with `err`
// when the text is not of the field's kind.
bool make_condition(const TableField& field, Op op, std::string_view text, const Style& style,
                    Condition* out, std::string* err);

bool matches(const Table& table, std::size_t row, const std::vector<Condition>& conditions);

// The wire names of a table's filterable fields, for error messages.
std::string field_list(const Table& table, const Style& style);

}  // namespace weir::sims::erp
