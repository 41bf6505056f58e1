#include "filter_expr.hpp"

#include <cctype>
#include <cstdlib>

#include "time_text.hpp"

namespace weir::sims::erp {
namespace {

constexpr std::size_t kMaxLength = 2048;
constexpr std::size_t kMaxConditions = 16;

struct Cursor {
  std::string_view text;
  std::size_t at = 0;

  bool done() const { return at >= text.size(); }
  std::size_t skip_spaces() {
    const std::size_t from = at;
    while (!done() && text[at] == ' ') ++at;
    return at - from;
  }
  std::string_view word() {
    const std::size_t from = at;
    while (!done() && (std::isalnum(static_cast<unsigned char>(text[at])) || text[at] == '_')) ++at;
    return text.substr(from, at - from);
  }
  std::string where() const { return "at " + std::to_string(at + 1); }
};

bool parse_op(std::string_view w, Op* op) {
  static const std::pair<const char*, Op> kOps[] = {{"eq", Op::kEq}, {"ne", Op::kNe},
                                                    {"gt", Op::kGt}, {"ge", Op::kGe},
                                                    {"lt", Op::kLt}, {"le", Op::kLe}};
  for (const auto& [name, o] : kOps) {
    if (w == name) {
      *op = o;
      return true;
    }
  }
  return false;
}

// A quoted literal ('' is a quote) or a number; `quoted` says which.
bool parse_literal(Cursor& c, std::string* out, bool* quoted, std::string* err) {
  if (c.done()) {
    *err = c.where() + ": a value is missing";
    return false;
  }
  if (c.text[c.at] == '\'') {
    *quoted = true;
    for (++c.at; !c.done(); ++c.at) {
      if (c.text[c.at] != '\'') {
        *out += c.text[c.at];
      } else if (c.at + 1 < c.text.size() && c.text[c.at + 1] == '\'') {
        *out += '\'';
        ++c.at;
      } else {
        ++c.at;
        return true;
      }
    }
    *err = c.where() + ": the quoted value is not closed";
    return false;
  }
  *quoted = false;
  const std::size_t from = c.at;
  if (c.text[c.at] == '-') ++c.at;
  while (!c.done() &&
         (std::isdigit(static_cast<unsigned char>(c.text[c.at])) || c.text[c.at] == '.')) {
    ++c.at;
  }
  *out = std::string(c.text.substr(from, c.at - from));
  if (out->empty() || *out == "-") {
    *err = "at " + std::to_string(from + 1) + ": want a quoted value ('...') or a number";
    return false;
  }
  return true;
}

const TableField* find_field(const Table& t, const Style& s, std::string_view wire) {
  for (const auto& f : t.fields) {
    if (s.field(t.resource, f.canonical) == wire) return &f;
  }
  return nullptr;
}

int compare(const FieldValue& a, const FieldValue& b) {
  switch (a.kind) {
    case FieldValue::Kind::kNumber:
      return a.number < b.number ? -1 : a.number > b.number ? 1 : 0;
    case FieldValue::Kind::kTime:
      return a.time < b.time ? -1 : a.time > b.time ? 1 : 0;
    case FieldValue::Kind::kText:
      return a.text.compare(b.text);
  }
  return 0;
}

}  // namespace

std::string field_list(const Table& table, const Style& style) {
  std::string out;
  for (const auto& f : table.fields) {
    out += (out.empty() ? "" : ", ") + style.field(table.resource, f.canonical);
  }
  return out;
}

bool make_condition(const TableField& field, Op op, std::string_view text, const Style& style,
                    Condition* out, std::string* err) {
  out->canonical = field.canonical;
  out->op = op;
  out->literal.kind = field.kind;
  switch (field.kind) {
    case FieldValue::Kind::kText:
      out->literal.text = std::string(text);
      return true;
    case FieldValue::Kind::kTime:
      if (parse_time(text, style.time_format, &out->literal.time)) return true;
      *err =
          "\"" + std::string(text) + "\" is not a time like \"" +
          (style.time_format == TimeFormat::kIso ? "2026-12-01T10:00:00Z" : "2026-12-01 10:00:00") +
          "\"";
      return false;
    case FieldValue::Kind::kNumber: {
      const std::string s(text);
      char* end = nullptr;
      out->literal.number = std::strtod(s.c_str(), &end);
      if (!s.empty() && end == s.c_str() + s.size()) return true;
      *err = "\"" + s + "\" is not a number";
      return false;
    }
  }
  return false;
}

bool parse_filter(std::string_view text, const Table& table, const Style& style,
                  std::vector<Condition>* out, std::string* err) {
  if (text.size() > kMaxLength) {
    *err = "the filter is longer than " + std::to_string(kMaxLength) + " bytes";
    return false;
  }
  Cursor c{text};
  c.skip_spaces();
  while (true) {
    if (out->size() == kMaxConditions) {
      *err = c.where() + ": more than " + std::to_string(kMaxConditions) + " conditions";
      return false;
    }
    const std::size_t field_at = c.at;
    const std::string_view name = c.word();
    const TableField* field = find_field(table, style, name);
    if (name.empty() || field == nullptr) {
      *err = "at " + std::to_string(field_at + 1) + ": want a field of " + table.resource + " (" +
             field_list(table, style) + "), not \"" +
             std::string(name.empty() ? text.substr(field_at, 12) : name) + "\"";
      return false;
    }
    Op op;
    const std::size_t op_at = c.at;
    if (c.skip_spaces() == 0 || !parse_op(c.word(), &op)) {
      *err = "at " + std::to_string(op_at + 1) +
             ": want one space or more and eq, ne, gt, ge, "
             "lt or le after " +
             std::string(name);
      return false;
    }
    if (c.skip_spaces() == 0) {
      *err = c.where() + ": want a space before the value";
      return false;
    }
    const std::size_t value_at = c.at;
    std::string literal;
    bool quoted = false;
    if (!parse_literal(c, &literal, &quoted, err)) return false;
    const bool want_quotes = field->kind != FieldValue::Kind::kNumber;
    if (quoted != want_quotes) {
      *err = "at " + std::to_string(value_at + 1) + ": " + std::string(name) +
             (want_quotes ? " takes a quoted value ('...')" : " takes an unquoted number");
      return false;
    }
    Condition cond;
    if (!make_condition(*field, op, literal, style, &cond, err)) {
      *err = "at " + std::to_string(value_at + 1) + ": " + *err;
      return false;
    }
    out->push_back(std::move(cond));
    const std::size_t spaces = c.skip_spaces();
    if (c.done()) return true;
    const std::size_t and_at = c.at;
    if (spaces == 0 || c.word() != "and" || c.skip_spaces() == 0) {
      *err = "at " + std::to_string(and_at + 1) + ": want \" and \" or the end";
      return false;
    }
  }
}

bool matches(const Table& table, std::size_t row, const std::vector<Condition>& conditions) {
  for (const auto& cond : conditions) {
    const int r = compare(table.value(row, cond.canonical), cond.literal);
    bool ok = false;
    switch (cond.op) {
      case Op::kEq:
        ok = r == 0;
        break;
      case Op::kNe:
        ok = r != 0;
        break;
      case Op::kGt:
        ok = r > 0;
        break;
      case Op::kGe:
        ok = r >= 0;
        break;
      case Op::kLt:
        ok = r < 0;
        break;
      case Op::kLe:
        ok = r <= 0;
        break;
    }
    if (!ok) return false;
  }
  return true;
}

}  // namespace weir::sims::erp
