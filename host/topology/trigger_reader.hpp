// Reads a topology's triggers:
//
//   trigger: {cron: "*/5 * * * *"}             # one, with id "cron"
//   triggers:                                  # several, each with an id
//     - id: nightly
//       cron: "0 2 * * *"
//       timezone: Europe/Prague                # default: weir.yaml `timezone` (UTC)
//       overlap: false                         # default: a fire while the last run of
//                                              #   this trigger still runs is skipped
//       payload: {full: true}                  # default: {}
//     - id: order-created                      # POST /hooks/<topology>/order-created
//       webhook:
//         signature: woocommerce               # | hmac (header, algorithm, encoding,
//                                              #   prefix) | none
//         secret: env:WC_WEBHOOK_SECRET        # or file:/run/secrets/wc (relative: from
//                                              #   the topology's directory; read at each
//                                              #   request: a file created or rotated
//                                              #   later is used at once); the older
//                                              #   secret_env: NAME / secret_file: PATH work too
//         max_body: 1MB                        # default: weir.yaml http.max_body
//
// The schedule and the time zone are checked here, so a bad one is a
// topology error at its file:line and the running version stays.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "topology/topology.hpp"

namespace weir::topology {

using LineError = std::function<void(int line, const std::string& message)>;

// `value` is the YAML under `trigger:` (a mapping) or `triggers:` (a list of
// mappings); `line` is the key's line. Problems go to `error`.
// `base_dir`: where a relative `file:` secret reference starts.
std::vector<TriggerSpec> read_triggers(const YAML::Node& value, bool list, int line,
                                       const LineError& error, const std::string& base_dir = "");

}  // namespace weir::topology
