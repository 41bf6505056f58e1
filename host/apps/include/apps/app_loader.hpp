// Reads application files (app.hpp) and checks them, every problem with
// file:line, as topology files are (the same YAML toolkit:
// topology/yaml_file.hpp). Free functions, any thread.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "apps/app.hpp"
#include "topology/topology.hpp"

namespace weir::apps {

// An application file larger than this is refused unread.
constexpr std::size_t kMaxAppFileBytes = 1u << 20;

// file:line: message, as for topologies.
using AppError = topology::TopologyError;

// The application types the host knows: "http" (built in), then those
// plugins declare.
// The application types there are: the built-in `http` and what loaded
// plugins declare (ABI 1.4 weir_app_type; the host fills this from its
// plugin registry).
struct AppTypes {
  struct Declared {
    std::string settings_schema;  // JSON Schema text; "" any settings
    std::string check_target;     // `weir apps check`'s GET from base_url; "" base_url
  };
  std::vector<std::string> names = {"http"};  // every type's name, http first
  std::map<std::string, Declared> declared;   // the plugins' types, by full name

  void add(const std::string& name, Declared d) {
    names.push_back(name);
    declared[name] = std::move(d);
  }
};

struct AppLoad {
  std::optional<App> app;  // set only when errors is empty
  std::vector<AppError> errors;
};

// `file_label` names the file in errors and is App::file; a relative `file:`
// secret or `tls.ca_file` is taken from its directory.
AppLoad load_app_text(std::string_view yaml, const std::string& file_label, const AppTypes& types);
AppLoad load_app_file(const std::string& path, const AppTypes& types);

struct AppDirectoryLoad {
  std::vector<App> apps;         // the valid ones, sorted by name
  std::vector<AppError> errors;  // invalid files, and a name used twice
  // The name each file gave, also for files with errors when the name could
  // be read (so a reload knows which running app an invalid edit is about).
  std::vector<std::pair<std::string, std::string>> names_by_file;
};

// Every *.yaml / *.yml in `dir`. A directory that does not exist is no apps
// (apps_dir is optional), not an error.
AppDirectoryLoad load_app_directory(const std::string& dir, const AppTypes& types);

// Hot reload of the apps directory, decided without touching anything:
// what runs + what a rescan found -> what is in effect. A valid file's app
// is in effect (new, changed or the same); an app whose file is there but
// invalid now (its errors name the file, or another file with errors gives
// its name) keeps its running version; one whose file is gone and whose
// name no file gives any more is taken out.
struct AppsRescan {
  std::vector<App> in_effect;  // sorted by name
  std::vector<std::string> added, changed, removed, kept;  // names, for the log
};
AppsRescan rescan_apps(const std::vector<App>& running, const AppDirectoryLoad& scan);

}  // namespace weir::apps
