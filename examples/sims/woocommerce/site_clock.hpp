// Dates as WordPress shows them. Every object carries two copies of each
// date: the site's wall clock ("date_created") and GMT ("date_created_gmt"),
// both "YYYY-MM-DDTHH:MM:SS" without a zone. The shop keeps one instant
// (unix seconds) and formats it either way.
//
// Query dates (after, before, modified_after, modified_before) follow
// WP_Date_Query: the value is read in the site's zone unless it names its
// own (Z, +hh:mm), converted to the site's wall clock, and compared, at the
// second, with the local column, or with the GMT column when dates_are_gmt
// is true. So "...Z" with dates_are_gmt=false is right, and "...Z" with
// dates_are_gmt=true is off by the site's offset (a real quirk).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace weir::sims::woo {

std::int64_t now_seconds();

class SiteClock {
 public:
  explicit SiteClock(int offset_minutes)
      : offset_(static_cast<std::int64_t>(offset_minutes) * 60) {}

  std::int64_t offset_seconds() const { return offset_; }
  std::string site(std::int64_t instant) const { return format(instant + offset_); }
  std::string gmt(std::int64_t instant) const { return format(instant); }

  // The wall-clock seconds a date query compares with: `text` (RFC 3339,
  // as rest_parse_date accepts it) read in the site's zone unless it has
  // one, then shown on the site's clock. nullopt: not a valid date.
  std::optional<std::int64_t> query_threshold(std::string_view text) const;

  // The column's value for an instant, as wall-clock seconds.
  std::int64_t column(std::int64_t instant, bool gmt_column) const {
    return gmt_column ? instant : instant + offset_;
  }

  // "YYYY-MM-DDTHH:MM:SS" of wall-clock seconds.
  static std::string format(std::int64_t wall_seconds);

 private:
  std::int64_t offset_;
};

// Days since 1970-01-01 of a civil date (proleptic Gregorian).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d);

}  // namespace weir::sims::woo
