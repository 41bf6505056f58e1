#include "order_nodes.hpp"

#include "decimal.hpp"

namespace weir::erp {
namespace {

std::string text_or(const Json& config, const char* key, const std::string& fallback) {
  return config.contains(key) && config[key].is_string() ? config[key].get<std::string>()
                                                         : fallback;
}

}  // namespace

// ---- erp.tax ----

void Tax::validate(const Json& config, std::vector<std::string>& errors) {
  if (!config.is_object()) return errors.push_back("erp.tax: config must be a mapping");
  for (const auto& [key, value] : config.items()) {
    static const std::vector<std::string> kKnown = {"lines", "price", "quantity", "class", "rates",
                                                    "default_class", "prices_include_tax",
                                                    "decimals"};
    if (std::find(kKnown.begin(), kKnown.end(), key) == kKnown.end()) {
      errors.push_back("erp.tax: unknown config key '" + key +
                       "' (known: lines, price, quantity, class, rates, default_class, "
                       "prices_include_tax, decimals)");
    }
  }
  if (!config.contains("rates") || !config["rates"].is_object() || config["rates"].empty()) {
    return errors.push_back("erp.tax: rates must map tax classes to percents, e.g. "
                            "{standard: \"21\", reduced: \"12\"}");
  }
  for (const auto& [cls, rate] : config["rates"].items()) {
    if (!Decimal::of(rate)) {
      errors.push_back("erp.tax: rate of " + cls + " is " + rate.dump() + ", not a number");
    }
  }
  const std::string fallback = text_or(config, "default_class", "standard");
  if (!config["rates"].contains(fallback)) {
    errors.push_back("erp.tax: default_class '" + fallback + "' has no rate");
  }
  if (config.contains("decimals") &&
      (!config["decimals"].is_number_integer() || config["decimals"].get<int>() < 0 ||
       config["decimals"].get<int>() > 6)) {
    errors.push_back("erp.tax: decimals must be 0 to 6");
  }
}

Tax::Tax(const NodeInit& init) {
  std::vector<std::string> errors;
  validate(init.config, errors);
  if (!errors.empty()) throw std::invalid_argument(errors.front());
  const Json& c = init.config;
  lines_ = parse_path(text_or(c, "lines", "line_items"));
  price_ = parse_path(text_or(c, "price", "price"));
  quantity_ = parse_path(text_or(c, "quantity", "quantity"));
  class_ = parse_path(text_or(c, "class", "tax_class"));
  for (const auto& [cls, rate] : c["rates"].items()) {
    rates_[cls] = rate.is_string() ? rate.get<std::string>() : rate.dump();
  }
  default_class_ = text_or(c, "default_class", "standard");
  prices_include_tax_ = c.value("prices_include_tax", false);
  decimals_ = c.value("decimals", 2);
}

Result Tax::process(Context& ctx) {
  Json order = ctx.message().json();
  Json* lines = order.is_object() ? lines_.find(order) : nullptr;
  if (!lines || !lines->is_array()) {
    return Result::failed("erp.tax: the order has no lines at '" + lines_.text + "'");
  }
  Decimal net_total = Decimal::whole(0), tax_total = Decimal::whole(0);
  const Decimal hundred = Decimal::whole(100);
  for (std::size_t i = 0; i < lines->size(); ++i) {
    Json& line = (*lines)[i];
    const std::string where = lines_.text + "[" + std::to_string(i) + "]";
    const Json* price_v = price_.find(line);
    const Json* qty_v = quantity_.find(line);
    auto price = price_v ? Decimal::of(*price_v) : std::nullopt;
    auto qty = qty_v ? Decimal::of(*qty_v) : std::nullopt;
    if (!price || !qty) {
      return Result::failed("erp.tax: " + where + " has no number at '" +
                            (!price ? price_.text : quantity_.text) + "'");
    }
    const Json* cls_v = class_.find(line);
    std::string cls = cls_v && cls_v->is_string() && !cls_v->get<std::string>().empty()
                          ? cls_v->get<std::string>() : default_class_;
    auto rate_it = rates_.find(cls);
    if (rate_it == rates_.end()) {
      return Result::failed("erp.tax: " + where + " has tax class '" + cls +
                            "', which has no rate in the node's config");
    }
    const Decimal rate = *Decimal::parse(rate_it->second);
    Decimal net = Decimal::whole(0), tax = Decimal::whole(0);
    const Decimal amount = price->times(*qty).rounded(decimals_);
    if (prices_include_tax_) {  // gross given: net = gross * 100 / (100 + rate)
      net = amount.times(hundred).divided_by(hundred + rate).rounded(decimals_);
      tax = amount - net;
    } else {
      net = amount;
      tax = net.times(rate).divided_by(hundred).rounded(decimals_);
    }
    line["net"] = net.text(decimals_);
    line["tax"] = tax.text(decimals_);
    line["gross"] = (net + tax).text(decimals_);
    line["tax_rate"] = rate_it->second;
    net_total = net_total + net;
    tax_total = tax_total + tax;
  }
  order["net_total"] = net_total.text(decimals_);
  order["tax_total"] = tax_total.text(decimals_);
  order["gross_total"] = (net_total + tax_total).text(decimals_);
  return Result::success(order);
}

// ---- erp.create_order ----

void CreateOrder::validate(const Json& config, std::vector<std::string>& errors) {
  if (!config.is_object()) return errors.push_back("erp.create_order: config must be a mapping");
  for (const auto& [key, value] : config.items()) {
    if (key != "order" && key != "customer" && key != "customer_from" && key != "customer_field") {
      errors.push_back("erp.create_order: unknown config key '" + key +
                       "' (known: order, customer, customer_from, customer_field)");
    }
  }
  std::vector<std::string> problems;
  if (!config.contains("order")) errors.push_back("erp.create_order: order (a write spec) is missing");
  else (void)parse_write(config["order"], &problems);
  for (auto& p : problems) errors.push_back("erp.create_order: order." + p);
  problems.clear();
  if (config.contains("customer")) (void)parse_write(config["customer"], &problems);
  for (auto& p : problems) errors.push_back("erp.create_order: customer." + p);
}

CreateOrder::CreateOrder(const NodeInit& init) {
  std::vector<std::string> errors;
  validate(init.config, errors);
  if (!errors.empty()) throw std::invalid_argument(errors.front());
  order_ = *parse_write(init.config["order"], &errors);
  if (init.config.contains("customer")) customer_ = parse_write(init.config["customer"], &errors);
  customer_from_ = parse_path(text_or(init.config, "customer_from", "billing"));
  customer_field_ = text_or(init.config, "customer_field", "customer_id");
}

Result CreateOrder::process(Context& ctx) {
  Json order = ctx.message().json();
  if (!order.is_object()) return Result::failed("erp.create_order: the order is no object");
  if (customer_) {
    const Json* customer = customer_from_.find(order);
    if (!customer) {
      return Result::failed("erp.create_order: the order has no customer at '" +
                            customer_from_.text + "'");
    }
    order[customer_field_] = Upsert::write(ctx, *customer_, *customer).id;
  }
  order["order_id"] = Upsert::write(ctx, order_, order).id;
  ctx.emit(order);
  return Result::success();
}

}  // namespace weir::erp
