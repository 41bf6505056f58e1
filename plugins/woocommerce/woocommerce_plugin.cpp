// The WooCommerce connector: the shop's application type and a node type for
// each flow (products, prices and stock, categories; orders follow). Every
// request goes through the node's application (`app: shop`, type
// woocommerce.shop), so the host authenticates, limits and logs it.
#include <weir/weir.hpp>

#include "categories.hpp"
#include "list_products.hpp"
#include "orders.hpp"
#include "stock_prices.hpp"
#include "upsert_products.hpp"
#include "wc_api.hpp"

#ifndef WEIR_WOOCOMMERCE_VERSION
#define WEIR_WOOCOMMERCE_VERSION "0.0.0"
#endif

using namespace weir::woocommerce;

WEIR_PLUGIN_WITH_APP_TYPES(
    "woocommerce", WEIR_WOOCOMMERCE_VERSION, "WooCommerce shops (REST API v3)",
    ({weir::app_type("shop", "A WooCommerce shop: base_url .../wp-json/wc/v3, the consumer key "
                             "and secret in auth (query over HTTPS, oauth1 over HTTP)",
                     shop_settings_schema(), "system_status")}),
    weir::node<ListProducts>("list_products", WEIR_NODE_BATCH,
                             "Reads the shop's products page by page (by id; a delta window "
                             "becomes modified_after)",
                             ListProducts::schema(), 1, kShopAppType),
    weir::node<UpsertProducts>("upsert_products", WEIR_NODE_CONNECTOR,
                               "Creates or updates products through products/batch, each once "
                               "(ID map, then SKU lookup)",
                               UpsertProducts::schema(), 100, kShopAppType),
    weir::node<UpdateStockPrices>("update_stock_prices", WEIR_NODE_CONNECTOR,
                                  "Updates prices and stock of known products in bulk",
                                  UpdateStockPrices::schema(), 100, kShopAppType),
    weir::node<CreateCategory>("create_category", WEIR_NODE_CONNECTOR,
                               "Finds or creates a product category (a product's prerequisite)",
                               CreateCategory::schema(), 1, kShopAppType),
    weir::node<ListOrders>("list_orders", WEIR_NODE_BATCH,
                           "Reads the shop's orders page by page (the poll behind the webhooks)",
                           ListOrders::schema(), 1, kShopAppType),
    weir::node<UpdateOrderStatus>("update_order_status", WEIR_NODE_CONNECTOR,
                                  "Sets an order's status (and a note) in the shop",
                                  UpdateOrderStatus::schema(), 1, kShopAppType));
