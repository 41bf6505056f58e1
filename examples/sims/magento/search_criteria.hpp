// searchCriteria as Magento's webapi reads it from a GET query, and the
// collection semantics behind it (Magento\Framework\Api\SearchCriteria,
// the collection processors, MySQL).
//
//   searchCriteria[filter_groups][G][filters][F][field|value|condition_type]
//   searchCriteria[sortOrders][0][field|direction], [pageSize], [currentPage]
//
// Keys may be snake_case or camelCase (the input processor maps both to the
// same setters). Filters in one group are ORed, groups ANDed. Conditions:
// eq (the default), neq, gt, gteq, moreq, lt, lteq, like, nlike (% and _
// wildcards), in, nin (a comma list, exploded as Mysql::prepareSqlCondition
// does), null, notnull, from (>=), to (<=), finset; an unknown condition
// is an equality on the value, as the adapter falls back to. Text compares
// case-insensitively (MySQL's *_general_ci collations); NULL matches
// nothing but `null` (so neq does not match a missing value). Times
// compare as "YYYY-MM-DD HH:MM:SS" text.
//
// Paging: without pageSize everything comes. With it, currentPage is
// 1-based and a page past the last answers the last page again (the
// collection's getCurPage() clamps), so a client must stop by total_count.
// The answer echoes the criteria as given (search_criteria).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "errors.hpp"
#include "sim_http.hpp"

namespace weir::sims::mage {

struct Filter {
  std::string field;
  std::string value;
  std::string condition_type = "eq";
};

struct SortOrder {
  std::string field;
  bool descending = false;
};

struct SearchCriteria {
  std::vector<std::vector<Filter>> groups;
  std::vector<SortOrder> sort;
  std::optional<std::int64_t> page_size;
  std::optional<std::int64_t> current_page;
  Json echo;  // {"filter_groups": [...], "sort_orders": ..., "page_size", "current_page"}

  // Every field a filter or a sort names.
  std::vector<std::string> fields() const;
};

// Reads the query. `required`: the endpoint's searchCriteria argument has
// no default (GET /V1/products), so a query without any searchCriteria
// parameter is a 400 naming it.
std::variant<SearchCriteria, MageError> read_search_criteria(const Request& req, bool required);

// A field's value in one row, for filtering and sorting.
struct FieldValue {
  // kSet: a product's category ids (category_id filters test membership).
  enum class Kind { kNull, kNumber, kText, kTime, kSet } kind = Kind::kNull;
  double number = 0;
  std::string text;
  std::int64_t time = 0;
  std::vector<std::string> set;

  static FieldValue null() { return {}; }
  static FieldValue of(double n) { return {Kind::kNumber, n, {}, 0, {}}; }
  static FieldValue of(std::string s) { return {Kind::kText, 0, std::move(s), 0, {}}; }
  static FieldValue at(std::int64_t t) { return {Kind::kTime, 0, {}, t, {}}; }
  static FieldValue of_set(std::vector<std::string> s) {
    return {Kind::kSet, 0, {}, 0, std::move(s)};
  }
};

using FieldLookup = std::function<FieldValue(std::int64_t row, const std::string& field)>;

bool matches(const FieldValue& v, const Filter& f);

// The rows of `candidates` (in their given order) that pass the filters,
// sorted and paged. `total` gets the count before paging.
std::vector<std::int64_t> select_rows(const std::vector<std::int64_t>& candidates,
                                      const SearchCriteria& sc, const FieldLookup& lookup,
                                      std::size_t* total);

// {"items": [...], "search_criteria": echo, "total_count": N}
Json search_result(Json items, const SearchCriteria& sc, std::size_t total);

}  // namespace weir::sims::mage
