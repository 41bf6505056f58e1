#include "seed_data.hpp"

#include <cstdio>
#include <string>

#include "postcode.hpp"

namespace weir::sims::erp {
namespace {

constexpr Seconds kSpread = 30 * 24 * 3600;

struct Leaf {
  const char* parent;
  const char* name;
  const char* noun;
};

const char* const kTops[] = {"Tools", "Garden", "Kitchen", "Office", "Outdoor"};
const Leaf kLeaves[] = {
    {"Tools", "Drills", "Drill"},
    {"Tools", "Saws", "Saw"},
    {"Tools", "Hand Tools", "Screwdriver Set"},
    {"Garden", "Hoses", "Garden Hose"},
    {"Garden", "Lawn Mowers", "Lawn Mower"},
    {"Garden", "Planters", "Planter"},
    {"Kitchen", "Cookware", "Frying Pan"},
    {"Kitchen", "Knives", "Chef's Knife"},
    {"Kitchen", "Small Appliances", "Kettle"},
    {"Office", "Paper", "Copy Paper"},
    {"Office", "Pens", "Gel Pen"},
    {"Office", "Furniture", "Office Chair"},
    {"Outdoor", "Tents", "Tent"},
    {"Outdoor", "Backpacks", "Backpack"},
    {"Outdoor", "Lighting", "Headlamp"},
};
constexpr int kTopCount = 5;
constexpr int kLeafCount = 15;

const char* const kBrands[] = {"Vexa",    "Nordwerk", "Alpenstahl", "Brightline",
                               "Kessler", "Oakmont",  "Tiberio",    "Lumo"};
const char* const kAdjectives[] = {"Compact",    "Pro",         "Classic", "Eco",
                                   "Heavy-Duty", "Lightweight", "Premium", "Everyday"};
const char* const kWarehouses[][3] = {{"MAIN", "Main warehouse", "DE"},
                                      {"EAST", "East depot", "PL"},
                                      {"WEST", "West depot", "NL"},
                                      {"SOUTH", "South depot", "AT"},
                                      {"NORTH", "North depot", "DK"}};

struct Person {
  const char* name;
  const char* ascii;  // for the e-mail address
};
const Person kFirst[] = {{"Anna", "anna"},   {"Jürgen", "juergen"}, {"Léa", "lea"},
                         {"Marco", "marco"}, {"Sophie", "sophie"},  {"Lukas", "lukas"},
                         {"Emma", "emma"},   {"Piotr", "piotr"}};
const Person kLast[] = {{"Müller", "mueller"}, {"Schmidt", "schmidt"},  {"Dubois", "dubois"},
                        {"Rossi", "rossi"},    {"de Vries", "devries"}, {"Nowak", "nowak"},
                        {"Weber", "weber"},    {"Gruber", "gruber"}};

struct Place {
  const char* country;
  const char* city;
  const char* street;
};
// Germany half the time: the postcode rule the tests lean on is German.
const Place kPlaces[] = {{"DE", "Berlin", "Hauptstraße"},  {"DE", "München", "Lindenweg"},
                         {"DE", "Köln", "Bahnhofstraße"},  {"DE", "Hamburg", "Am Markt"},
                         {"AT", "Wien", "Ringstraße"},     {"CH", "Zürich", "Seestrasse"},
                         {"NL", "Utrecht", "Dorpsstraat"}, {"FR", "Lyon", "Rue de la Paix"}};

template <typename T, std::size_t N>
const T& choose(const T (&items)[N], std::uint64_t h) {
  return items[h % N];
}

std::string numbered(const char* format, long n) {
  char buf[32];
  std::snprintf(buf, sizeof buf, format, n);
  return buf;
}

Product make_product(const SeedOptions& o, int index, int warehouses, Seconds now) {
  const auto h = [&](std::uint64_t salt) {
    return mix(o.seed, static_cast<std::uint64_t>(index), salt);
  };
  const int leaf = static_cast<int>(h(1) % kLeafCount);
  Product p;
  p.sku = numbered("SKU-%06ld", index);
  p.brand = choose(kBrands, h(2));
  const std::string adjective = choose(kAdjectives, h(3));
  p.name = p.brand + " " + adjective + " " + kLeaves[leaf].noun + " " +
           numbered("%03ld", static_cast<long>(h(4) % 900 + 100));
  p.kind = kLeaves[leaf].noun;
  p.warranty_years = static_cast<int>(h(5) % 5) + 1;
  p.image_count = static_cast<int>(h(6) % 3) + 1;
  p.category_ids.push_back(kTopCount + 1 + leaf);
  if (h(7) % 5 == 0) p.category_ids.push_back(kTopCount + 1 + (leaf + 3) % kLeafCount);
  p.price = round_price(static_cast<Cents>(h(8) % 50000) + 199);
  if (h(9) % 5 == 0) p.sale_price = round_price(p.price * 8 / 10);
  const auto tax = h(10) % 20;
  p.tax_class = tax < 16 ? "standard" : tax < 19 ? "reduced" : "zero";
  p.weight_grams = static_cast<int>(h(11) % 25000) + 50;
  p.discontinued = h(12) % 20 == 0;
  for (int w = 0; w < warehouses; ++w) {
    const auto s =
        mix(o.seed, static_cast<std::uint64_t>(index), 100 + static_cast<std::uint64_t>(w));
    p.stock.push_back(s % 10 == 0 ? 0 : static_cast<int>(s % 250));
  }
  p.updated_at = now - static_cast<Seconds>(h(13) % kSpread) - 60;
  p.price_updated_at = p.updated_at;
  p.stock_updated_at = p.updated_at;
  return p;
}

Customer make_customer(const SeedOptions& o, int index, Seconds now) {
  const auto h = [&](std::uint64_t salt) {
    return mix(o.seed, static_cast<std::uint64_t>(index), 1000 + salt);
  };
  const Person& first = choose(kFirst, h(1));
  const Person& last = choose(kLast, h(2));
  Customer c;
  c.id = index;
  c.number = numbered("C%05ld", index);
  c.name = std::string(first.name) + " " + last.name;
  c.email =
      std::string(first.ascii) + "." + last.ascii + "." + std::to_string(index) + "@example.com";
  c.phone = numbered("+49 30 %07ld", static_cast<long>(h(3) % 10000000));
  const Place& place = choose(kPlaces, h(4));
  Address billing{"billing",
                  c.name,
                  std::string(place.street) + " " + std::to_string(h(5) % 120 + 1),
                  place.city,
                  make_postcode(place.country, h(6)),
                  place.country};
  if (index <= o.bad_postcodes)
    billing.postcode = billing.postcode.substr(0, billing.postcode.size() - 1);
  Address shipping = billing;
  shipping.type = "shipping";
  c.addresses = {billing, shipping};
  c.created_at = now - static_cast<Seconds>(h(7) % kSpread) - 60;
  c.updated_at = c.created_at;
  return c;
}

}  // namespace

std::uint64_t mix(std::uint64_t a, std::uint64_t b, std::uint64_t c) {
  std::uint64_t x = a * 0x9E3779B97F4A7C15ull ^
                    (b + 0x632BE59BD9B4E019ull) * 0xBF58476D1CE4E5B9ull ^
                    (c + 0x2545F4914F6CDD1Dull) * 0x94D049BB133111EBull;
  for (int i = 0; i < 2; ++i) {
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    x ^= x >> 31;
  }
  return x;
}

Cents round_price(Cents cents) {
  if (cents < 100) return 99;
  return cents / 100 * 100 + (cents % 2 == 0 ? 90 : 99);
}

SeedData make_seed_data(const SeedOptions& o, Seconds now) {
  SeedData d;
  d.seed = o.seed;
  const Seconds stamp = now - kSpread - 3600;
  for (int i = 0; i < kTopCount; ++i) d.categories.push_back({i + 1, kTops[i], 0, stamp});
  for (int i = 0; i < kLeafCount; ++i) {
    int parent = 0;
    for (int t = 0; t < kTopCount; ++t) {
      if (std::string(kTops[t]) == kLeaves[i].parent) parent = t + 1;
    }
    d.categories.push_back({kTopCount + 1 + i, kLeaves[i].name, parent, stamp});
  }
  for (int w = 0; w < o.warehouses; ++w) {
    if (w < 5) {
      d.warehouses.push_back({kWarehouses[w][0], kWarehouses[w][1], kWarehouses[w][2], stamp});
    } else {
      d.warehouses.push_back(
          {numbered("WH%02ld", w + 1), numbered("Depot %ld", w + 1), "DE", stamp});
    }
  }
  d.products.reserve(static_cast<std::size_t>(o.products));
  for (int i = 1; i <= o.products; ++i) d.products.push_back(make_product(o, i, o.warehouses, now));
  for (int i = 1; i <= o.customers; ++i) d.customers.push_back(make_customer(o, i, now));
  return d;
}

}  // namespace weir::sims::erp
