// The ERP's records and the operations on them. Not thread-safe: Erp
// (below) holds one ErpData behind its mutex and hands it out locked.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "model.hpp"
#include "seed_data.hpp"

namespace weir::sims::erp {

struct ErpData {
  explicit ErpData(SeedData seed);

  std::vector<Category> categories;
  std::vector<Warehouse> warehouses;
  std::vector<Product> products;    // in SKU order; never removed
  std::vector<Customer> customers;  // in id order; appended
  std::vector<Order> orders;        // in id order; appended
  std::uint64_t seed = 1;
  int change_rounds = 0;

  const Product* product(const std::string& sku) const;
  Customer* customer(int id);
  Customer* customer_by_email(const std::string& email);
  Order* order(int id);
  Order* order_by_ref(const std::string& external_ref);
  const Category* category(int id) const;
  // "Tools > Drills"
  std::string category_path(int id) const;

  // Takes the next id (and number); returns the stored record.
  Customer& add_customer(Customer c);
  Order& add_order(Order o);
  void reindex_email(const std::string& from, const std::string& to, int customer_id);

  // Moves an order the way the ERP allows: forward along new, validated,
  // paid, shipped, or to cancelled from any but shipped; the same status is
  // no move (true, untouched). False with `err` otherwise.
  bool move_order(Order& o, OrderStatus to, Seconds now, std::string* err);

  // Changes `percent` % of the products (rounded, at least one when percent
  // > 0), chosen by the seed and the round, stamping them with `now`.
  // `what`: price, stock, text or all. Returns the SKUs changed.
  std::vector<std::string> change_products(double percent, const std::string& what, Seconds now);

 private:
  std::unordered_map<std::string, std::size_t> sku_index_;
  std::unordered_map<std::string, int> email_index_;  // customer id
  std::unordered_map<std::string, int> ref_index_;    // order id
  int next_customer_id_ = 1;
  int next_order_id_ = 1001;
};

// Owns the data and its lock: every reader and writer goes through locked().
class Erp {
 public:
  explicit Erp(SeedData seed) : data_(std::move(seed)) {}
  template <typename F>
  auto locked(F&& f) {
    std::lock_guard lock(mu_);
    return f(data_);
  }

 private:
  std::mutex mu_;
  ErpData data_;  // guarded by mu_
};

}  // namespace weir::sims::erp
