// The generic ERP connector: any JSON REST ERP, pointed at by configuration
// alone (rest_spec.hpp), plus the order nodes written in C++ on top of it.
#include <weir/weir.hpp>

#include "order_nodes.hpp"
#include "rest_nodes.hpp"

#ifndef WEIR_ERP_VERSION
#define WEIR_ERP_VERSION "0.0.0"
#endif

using namespace weir::erp;

WEIR_PLUGIN_WITH_APP_TYPES(
    "erp", WEIR_ERP_VERSION, "A JSON REST ERP, described declaratively",
    ({weir::app_type("rest", "A JSON REST ERP (paths, pagination and fields in each node's config)",
                     rest_settings_schema(), nullptr)}),
    weir::node<List>("list", WEIR_NODE_BATCH,
                     "Reads a resource page by page (page, offset or cursor), delta by a "
                     "parameter or filter expression",
                     List::schema(), 1, kRestAppType),
    weir::node<Upsert>("upsert", WEIR_NODE_CONNECTOR,
                       "Writes a record once: ID map, lookup by natural key, create and "
                       "follow-up calls, or update",
                       Upsert::schema(), 1, kRestAppType),
    weir::node<Tax>("tax", WEIR_NODE_CUSTOM, "Adds net, tax and gross to an order's lines, exactly",
                    nullptr, 100),
    weir::node<CreateOrder>("create_order", WEIR_NODE_CONNECTOR,
                            "Creates an order in the ERP, its customer first when missing",
                            nullptr, 1, kRestAppType));
