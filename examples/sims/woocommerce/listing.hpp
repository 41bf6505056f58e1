// Collections as WooCommerce's CRUD controllers serve them: the shared
// query parameters (page, per_page 1..100, offset, order, orderby, search,
// after/before/modified_after/modified_before, dates_are_gmt, include,
// exclude) validated the way WordPress validates them (every bad one named
// in one 400 rest_invalid_param), and the answer's X-WP-Total,
// X-WP-TotalPages and Link headers.
//
// Link repeats the request's query parameters as WordPress's
// add_query_arg() does: decoded values, not encoded again, oauth_* and
// consumer_* included, page replaced in place or appended.
//
// The ordering quirk: MySQL gives rows with an equal sort key (products
// created in the same second, orderby=date, the default) in no set order,
// and may give them differently for each LIMIT. The shop shuffles such
// ties at a page's edges per request (page_of), so a client paging by date
// can see an item twice and miss another. orderby=id is stable.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <variant>
#include <vector>

#include "rest_reply.hpp"
#include "sim_http.hpp"
#include "site_clock.hpp"

namespace weir::sims::woo {

struct ListParams {
  std::int64_t page = 1;
  std::int64_t per_page = 10;
  std::optional<std::int64_t> offset;
  bool descending = true;
  std::string orderby;
  std::string search;
  bool dates_are_gmt = false;
  // Wall-clock thresholds (SiteClock::query_threshold), exclusive.
  std::optional<std::int64_t> after, before, modified_after, modified_before;
  std::vector<std::int64_t> include, exclude;

  std::int64_t first_index() const { return offset ? *offset : (page - 1) * per_page; }
  // True when the object's dates pass the date filters.
  bool dates_match(const SiteClock& clock, std::int64_t created, std::int64_t modified) const;
  bool id_match(std::int64_t id) const;
};

// Reads the shared collection parameters; `orderbys` is the endpoint's
// enum, the first one its default. Extra endpoint-specific reasons (e.g. a
// bad status) may be passed in `more_errors`, so one 400 names them all.
std::variant<ListParams, RestError> read_list_params(
    const Request& req, const SiteClock& clock, const std::vector<std::string>& orderbys,
    std::vector<std::pair<std::string, std::string>> more_errors = {});

// WordPress's "x is not one of a, b, and c." and "x is not of type t."
std::string not_one_of(const std::string& name, const std::vector<std::string>& values);
// A boolean as rest_is_boolean reads it (true/false/1/0, case-insensitive).
std::optional<bool> read_bool(const std::string& text);
// An integer as rest_is_integer reads it.
std::optional<std::int64_t> read_int(const std::string& text);

// The headers of a page: X-WP-Total, X-WP-TotalPages, Link (prev/next).
// `site` is "http://host:port", `route` e.g. "/wc/v3/products".
void add_page_headers(Response& res, const Request& req, const std::string& site,
                      const std::string& route, const ListParams& p, std::size_t total);

// Orders `ids` (ascending on entry) by `less`, ties kept in id order,
// reversed for descending. orderby=id: `by_id`, no comparisons.
template <typename Less>
void sort_for_listing(std::vector<std::int64_t>& ids, Less less, bool by_id, bool descending) {
  if (!by_id && !std::is_sorted(ids.begin(), ids.end(), less)) {
    std::stable_sort(ids.begin(), ids.end(), less);
  }
  if (descending) std::reverse(ids.begin(), ids.end());
}

// The page's ids out of an ordered list. With `shuffle_ties`, the runs of
// equal keys (`equal`) cut by the page's edges are shuffled with `rng`
// first, as a database may order tied rows differently for each query.
template <typename Equal>
std::vector<std::int64_t> page_of(const std::vector<std::int64_t>& ordered, const ListParams& p,
                                  Equal equal, bool shuffle_ties, std::mt19937_64& rng) {
  const auto first = static_cast<std::size_t>(std::max<std::int64_t>(0, p.first_index()));
  if (first >= ordered.size()) return {};
  const std::size_t last = std::min(ordered.size(), first + static_cast<std::size_t>(p.per_page));
  if (!shuffle_ties) return {ordered.begin() + first, ordered.begin() + last};
  std::size_t lo = first, hi = last;
  while (lo > 0 && equal(ordered[lo - 1], ordered[first])) --lo;
  while (hi < ordered.size() && equal(ordered[hi], ordered[last - 1])) ++hi;
  std::vector<std::int64_t> window(ordered.begin() + lo, ordered.begin() + hi);
  auto shuffle_run = [&](std::size_t at) {  // the run of window[at]
    std::size_t a = at, b = at + 1;
    while (a > 0 && equal(window[a - 1], window[at])) --a;
    while (b < window.size() && equal(window[b], window[at])) ++b;
    if (b - a > 1) std::shuffle(window.begin() + a, window.begin() + b, rng);
  };
  shuffle_run(first - lo);
  if (!equal(window[first - lo], window[last - 1 - lo])) shuffle_run(last - 1 - lo);
  return {window.begin() + (first - lo), window.begin() + (last - lo)};
}

}  // namespace weir::sims::woo
