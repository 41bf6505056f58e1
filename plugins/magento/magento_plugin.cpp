// The Magento 2 connector: the shop's application type and a node type for
// each flow (products, prices and stock, orders and their statuses). Every request goes
// through the node's application (`app: shop`, type magento.shop), so the
// host authenticates (admin login or the integration's OAuth), limits and
// logs it.
#include <weir/weir.hpp>

#include "bulk_status.hpp"
#include "categories.hpp"
#include "images.hpp"
#include "list_products.hpp"
#include "mg_api.hpp"
#include "orders.hpp"
#include "stock_prices.hpp"
#include "upsert_products.hpp"

#ifndef WEIR_MAGENTO_VERSION
#define WEIR_MAGENTO_VERSION "0.0.0"
#endif

using namespace weir::magento;

WEIR_PLUGIN_WITH_APP_TYPES(
    "magento", WEIR_MAGENTO_VERSION, "Magento 2 shops (REST API)",
    ({weir::app_type("shop", "A Magento 2 shop: base_url .../rest, auth an admin login "
                             "(kind: login) or the integration's oauth1",
                     shop_settings_schema(), "V1/store/storeConfigs")}),
    weir::node<ListProducts>("list_products", WEIR_NODE_BATCH,
                             "Reads the shop's products page by page (pages counted from "
                             "total_count; a delta window becomes updated_at gteq)",
                             ListProducts::schema(), 1, kShopAppType),
    weir::node<UpsertProducts>("upsert_products", WEIR_NODE_CONNECTOR,
                               "Saves products by SKU: one by one for a few, the async bulk API "
                               "for many (then followed by bulk_status)",
                               UpsertProducts::schema(), 1000, kShopAppType),
    weir::node<BulkStatus>("bulk_status", WEIR_NODE_CONNECTOR,
                           "Finishes each product sent in a bulk by its own operation's end",
                           BulkStatus::schema(), 1000, kShopAppType),
    weir::node<FetchImages>("fetch_images", WEIR_NODE_CONNECTOR,
                            "Downloads a product's pictures (base64 media entries) unless the "
                            "shop has that list already",
                            FetchImages::schema(), 100, nullptr),
    weir::node<CreateCategory>("create_category", WEIR_NODE_CONNECTOR,
                               "Makes sure the shop has a category (by name, once)",
                               CreateCategory::schema(), 1, kShopAppType),
    weir::node<UpdateStockPrices>("update_stock_prices", WEIR_NODE_CONNECTOR,
                                  "Writes prices (base-prices) and MSI stock (source-items) in bulk",
                                  UpdateStockPrices::schema(), 100, kShopAppType),
    weir::node<ListOrders>("list_orders", WEIR_NODE_BATCH,
                           "Reads the shop's orders changed in the window, page by page (the "
                           "order intake: Magento has no webhooks)",
                           ListOrders::schema(), 1, kShopAppType),
    weir::node<UpdateOrderStatus>("update_order_status", WEIR_NODE_CONNECTOR,
                                  "Invoices, ships (with tracking) or cancels an order",
                                  UpdateOrderStatus::schema(), 1, kShopAppType));
