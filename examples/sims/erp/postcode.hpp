// The ERP's address rules: which countries it ships to and what a postcode
// looks like in each (as an ERP's order validation checks them).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace weir::sims::erp {

bool known_country(std::string_view country);
std::string known_countries();  // "AT, BE, ..." for error messages

// True when `postcode` fits `country`; otherwise false and `reason` says
// what the country wants ("a German postcode has 5 digits, not \"1234\"").
bool check_postcode(std::string_view country, std::string_view postcode, std::string* reason);

// A valid postcode of `country`, chosen by `n` (deterministic).
std::string make_postcode(std::string_view country, std::uint64_t n);

}  // namespace weir::sims::erp
