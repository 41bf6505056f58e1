// PluginRegistry against real .so files: the shipped core plugin, the plugin
// template, and the fixture plugins in tests/fixtures/plugins/, each of which
// breaks one rule of the ABI. Every test uses its own plugin and cache
// directories, so copies (and the libraries loaded from them) never mix.
#include "plugins/plugin_registry.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <thread>

#include "common/content_hash.hpp"
#include "plugins/plugin_cache.hpp"
#include "support/file_modes.hpp"
#include "support/temp_dir.hpp"
#include "unit/plugin_test_host.hpp"

namespace fs = std::filesystem;
using weir::plugins::LoadRefusal;
using weir::plugins::NodeTypeRef;
using weir::plugins::PluginRegistry;
using weir::test::mode_of;
using weir::test::PluginTestHost;
using weir::test::ScopedUmask;
using weir::test::TempDir;

namespace {

std::string fixture(const std::string& name) {
  return std::string(WEIR_FIXTURE_PLUGINS_DIR) + "/" + name + ".so";
}
std::string good_v2() { return std::string(WEIR_FIXTURE_PLUGINS_DIR) + "/v2/good.so"; }
std::string core_so() { return std::string(WEIR_PLUGINS_DIR) + "/core.so"; }
std::string hello_so() { return std::string(WEIR_EXAMPLE_PLUGINS_DIR) + "/hello.so"; }

// A registry with its own cache directory, and a directory for source files.
struct Setup {
  TempDir tmp;
  std::string cache = tmp.file("cache");
  std::string src = tmp.file("src");
  PluginRegistry registry{cache};

  Setup() { fs::create_directories(src); }

  // Copies `from` into the source directory as `name` (replacing it).
  std::string put(const std::string& from, const std::string& name) {
    std::string to = src + "/" + name;
    fs::copy_file(from, to, fs::copy_options::overwrite_existing);
    return to;
  }
};

// The error of loading `path`, which must be refused.
std::string refusal(PluginRegistry& registry, const std::string& path) {
  auto loaded = registry.load_file(path);
  REQUIRE_FALSE(loaded);
  return loaded.error();
}

// True when a file whose path contains `needle` is mapped into this process.
bool is_mapped(const std::string& needle) {
  std::ifstream maps("/proc/self/maps");
  std::string line;
  while (std::getline(maps, line)) {
    if (line.find(needle) != std::string::npos) return true;
  }
  return false;
}

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::string host_abi() {
  return std::to_string(WEIR_ABI_MAJOR) + "." + std::to_string(WEIR_ABI_MINOR);
}

}  // namespace

// ---- refusals: one per reason, each naming the file ------------------------

TEST_CASE("a text file named .so is refused as not a loadable shared library") {
  Setup s;
  std::string path = s.src + "/notes.so";
  std::ofstream(path) << std::string(200, '#') << " not an ELF file\n";
  std::string error = refusal(s.registry, path);
  CHECK_THAT(error, Catch::StartsWith(path + ": not a loadable shared library: "));
  CHECK_THAT(error, Catch::Contains("invalid ELF header"));
  CHECK(s.registry.plugins().empty());
}

TEST_CASE("a missing file is refused with its path") {
  Setup s;
  std::string path = s.src + "/gone.so";
  CHECK(refusal(s.registry, path) == path + ": no such file");
}

TEST_CASE("a library without weir_plugin_entry is refused as not a weir plugin") {
  Setup s;
  std::string path = s.put(fixture("no_entry"), "no_entry.so");
  CHECK(refusal(s.registry, path) == path + ": not a weir plugin: no weir_plugin_entry symbol");
}

TEST_CASE("a plugin whose entry returns NULL is refused") {
  Setup s;
  std::string path = s.put(fixture("null_entry"), "null_entry.so");
  CHECK(refusal(s.registry, path) == path + ": weir_plugin_entry returned NULL");
}

TEST_CASE("a plugin built for another ABI major is refused before anything else is read") {
  // The fixture's descriptor holds only struct_size and the version: reading
  // any other field would overflow it (an ASan build reports that).
  Setup s;
  std::string path = s.put(fixture("abi_major"), "abi_major.so");
  CHECK(refusal(s.registry, path) == path + ": built for weir ABI " +
                                         std::to_string(WEIR_ABI_MAJOR + 1) +
                                         ".0, this host speaks " + host_abi());
}

TEST_CASE("a plugin built for a newer ABI minor is refused with advice to upgrade") {
  Setup s;
  std::string path = s.put(fixture("abi_minor"), "abi_minor.so");
  CHECK(refusal(s.registry, path) ==
        path + ": built for weir ABI " + std::to_string(WEIR_ABI_MAJOR) + "." +
            std::to_string(WEIR_ABI_MINOR + 1) + ", newer than this host's " + host_abi() +
            "; upgrade weir");
}

TEST_CASE("a plugin descriptor smaller than ABI 1.0's is refused") {
  Setup s;
  std::string path = s.put(fixture("small_struct"), "small_struct.so");
  std::string need = std::to_string(offsetof(weir_plugin, node_type_count) + sizeof(size_t));
  CHECK(refusal(s.registry, path) ==
        path + ": plugin descriptor is too small (struct_size 24, weir ABI " + host_abi() +
            " needs at least " + need + ")");
}

TEST_CASE("an ill-formed plugin name is refused, quoting it") {
  Setup s;
  std::string path = s.put(fixture("bad_name"), "bad_name.so");
  CHECK(refusal(s.registry, path) ==
        path + ": plugin name \"Bad Name!\" is ill-formed (must match [a-z0-9_-]+)");
}

TEST_CASE("an ill-formed node type name is refused, saying which node") {
  Setup s;
  std::string path = s.put(fixture("bad_node_name"), "bad_node_name.so");
  CHECK(refusal(s.registry, path) == path +
                                         ": node type #0 of plugin 'bad_node_name': name "
                                         "\"Echo.Node\" is ill-formed (must match [a-z0-9_-]+)");
}

TEST_CASE("a node type struct smaller than ABI 1.0's is refused") {
  Setup s;
  std::string path = s.put(fixture("small_node"), "small_node.so");
  std::string error = refusal(s.registry, path);
  CHECK_THAT(error, Catch::StartsWith(
                        path + ": node type #0 of plugin 'small_node' is too small (struct_size " +
                        std::to_string(offsetof(weir_node_type, create))));
}

TEST_CASE("a node type without process is refused and nothing of its file is registered") {
  Setup s;
  std::string path = s.put(fixture("bad_node"), "bad_node.so");
  CHECK(refusal(s.registry, path) ==
        path + ": node type bad_node.broken has no process function (NULL)");
  // Its first node type was fine, but a refused file registers nothing.
  CHECK(s.registry.find("bad_node.ok") == nullptr);
  CHECK(s.registry.type_names().empty());
  CHECK(s.registry.plugins().empty());
}

TEST_CASE("a node type whose config schema is not JSON is refused") {
  Setup s;
  std::string path = s.put(fixture("bad_schema"), "bad_schema.so");
  CHECK(refusal(s.registry, path) ==
        path + ": node type bad_schema.echo has a config_schema that is not valid JSON");
}

TEST_CASE("two node types with one name in a plugin are refused") {
  Setup s;
  std::string path = s.put(fixture("dup_node_in_plugin"), "dup_node_in_plugin.so");
  CHECK(refusal(s.registry, path) ==
        path + ": node type dup_node_in_plugin.x is declared twice in this plugin");
  CHECK(s.registry.find("dup_node_in_plugin.x") == nullptr);
}

TEST_CASE("a second file with an already loaded plugin name is refused, naming the first") {
  Setup s;
  std::string core = s.put(core_so(), "core.so");
  std::string again = s.put(fixture("core_again"), "core_again.so");
  REQUIRE(s.registry.load_file(core));
  CHECK(refusal(s.registry, again) == again + ": plugin 'core' is already loaded from " + core);
  // The first file's types are untouched.
  REQUIRE(s.registry.find("core.pass"));
  CHECK(s.registry.find("core.pass")->library->source_path == core);
  CHECK(s.registry.node_types("core").size() == 4);
}

TEST_CASE("a node name used by another plugin is fine: other.pass beside core.pass") {
  Setup s;
  REQUIRE(s.registry.load_file(s.put(core_so(), "core.so")));
  REQUIRE(s.registry.load_file(s.put(fixture("other_pass"), "other_pass.so")));
  CHECK(s.registry.type_names() == std::vector<std::string>{"core.comparator", "core.log",
                                                              "core.mapper", "core.pass",
                                                              "other.pass"});
}

TEST_CASE("a refused library is unloaded") {
  Setup s;
  std::string path = s.put(fixture("bad_node"), "bad_node.so");
  REQUIRE_FALSE(s.registry.load_file(path));
  // Its copy was made in the cache and loaded to be checked, then dropped.
  bool copied = false;
  for (const auto& entry : fs::directory_iterator(s.cache)) {
    copied = copied || entry.path().filename().string().starts_with("bad_node-");
  }
  CHECK(copied);
  CHECK_FALSE(is_mapped(s.cache + "/bad_node-"));
}

// ---- what a loaded plugin looks like ---------------------------------------------

TEST_CASE("loading core.so registers core.pass and core.log with their metadata") {
  Setup s;
  std::string path = s.put(core_so(), "core.so");
  auto loaded = s.registry.load_file(path);
  REQUIRE(loaded);
  const auto& plugin = *loaded.value();
  CHECK(plugin.name == "core");
  CHECK(plugin.version == WEIR_PROJECT_VERSION);
  CHECK(plugin.source_path == path);
  CHECK(plugin.abi_major == WEIR_ABI_MAJOR);
  CHECK(plugin.abi_minor == WEIR_ABI_MINOR);
  CHECK(plugin.loaded_ms > 0);
  CHECK(s.registry.type_names() ==
        std::vector<std::string>{"core.comparator", "core.log", "core.mapper", "core.pass"});

  NodeTypeRef pass = s.registry.find("core.pass");
  REQUIRE(pass);
  CHECK(pass->full_name == "core.pass");
  CHECK(pass->plugin == "core");
  CHECK(pass->name == "pass");
  CHECK(pass->kind == WEIR_NODE_CUSTOM);
  CHECK(pass->description == "Passes each message on unchanged");
  CHECK(pass->max_batch == 1000);
  CHECK(weir::Json::parse(pass->config_schema) ==
        weir::Json::parse(R"({"type":"object","additionalProperties":false,"properties":{}})"));
  CHECK(pass->library == loaded.value());

  NodeTypeRef log = s.registry.find("core.log");
  REQUIRE(log);
  CHECK(log->max_batch == 1000);
  auto schema = weir::Json::parse(log->config_schema);
  CHECK(schema["properties"]["level"]["enum"] ==
        weir::Json::array({"trace", "debug", "info", "warn", "error"}));
  CHECK(schema["properties"]["level"]["default"] == "info");
  CHECK(schema["properties"]["prefix"]["type"] == "string");

  auto types = s.registry.node_types("core");
  REQUIRE(types.size() == 4);
  CHECK(types[0] == s.registry.find("core.comparator"));
  CHECK(types[1] == log);
  CHECK(types[2] == s.registry.find("core.mapper"));
  CHECK(types[3] == pass);
  CHECK(s.registry.find("core.nope") == nullptr);
}

TEST_CASE("a plugin is loaded from a copy in the cache named by its content hash") {
  Setup s;
  std::string path = s.put(core_so(), "core.so");
  auto loaded = s.registry.load_file(path);
  REQUIRE(loaded);
  std::string err;
  std::string sha = weir::sha256_hex_of_file(path, &err);
  REQUIRE(err.empty());
  CHECK(loaded.value()->sha256 == sha);
  CHECK(loaded.value()->loaded_path == s.cache + "/core-" + sha.substr(0, 16) + ".so");
  CHECK(read_all(loaded.value()->loaded_path) == read_all(path));
  CHECK(is_mapped(loaded.value()->loaded_path));
  CHECK_FALSE(is_mapped(path));
}

TEST_CASE("loading an unchanged file again keeps the plugin already loaded") {
  Setup s;
  std::string path = s.put(core_so(), "core.so");
  auto first = s.registry.load_file(path);
  auto second = s.registry.load_file(path);
  REQUIRE(first);
  REQUIRE(second);
  CHECK(first.value() == second.value());
}

TEST_CASE("a damaged copy in the cache is replaced, not loaded") {
  Setup s;
  std::string path = s.put(core_so(), "core.so");
  std::string err;
  std::string copy =
      s.cache + "/core-" + weir::sha256_hex_of_file(path, &err).substr(0, 16) + ".so";
  std::ofstream(copy) << "truncated by a crash";
  auto loaded = s.registry.load_file(path);
  REQUIRE(loaded);
  CHECK(loaded.value()->loaded_path == copy);
  CHECK(read_all(copy) == read_all(path));
}

// ---- the cache is private: nobody else can change what we load -------------

TEST_CASE("under umask 022 the plugin cache is 0700, each copy 0600, and the copy loads") {
  ScopedUmask usual(022);
  Setup s;
  std::string path = s.put(core_so(), "core.so");
  auto loaded = s.registry.load_file(path);
  REQUIRE(loaded);
  CHECK(mode_of(s.cache) == 0700);
  CHECK(mode_of(loaded.value()->loaded_path) == 0600);
  CHECK(is_mapped(loaded.value()->loaded_path));  // dlopen needs no execute bit
  REQUIRE(s.registry.find("core.pass"));
  for (const auto& entry : fs::directory_iterator(s.cache)) {  // no temporary left behind
    CHECK(entry.path().string() == loaded.value()->loaded_path);
  }
}

TEST_CASE("a plugin cache others can write is refused, naming it and its mode") {
  Setup s;
  std::string path = s.put(core_so(), "core.so");
  REQUIRE(::chmod(s.cache.c_str(), 0777) == 0);
  CHECK_THAT(refusal(s.registry, path),
             Catch::StartsWith(path + ": plugin cache directory " + s.cache +
                               " is writable by group or others (mode 0777)"));
  CHECK(s.registry.find("core.pass") == nullptr);
  CHECK(mode_of(s.cache) == 0777);  // refused, not changed: others may have put files there
  CHECK(fs::is_empty(s.cache));
}

TEST_CASE("a plugin cache of another user is refused") {
  if (::geteuid() != 0) {
    WARN("skipped: only root can give the cache directory to another user");
    return;
  }
  Setup s;
  std::string path = s.put(core_so(), "core.so");
  REQUIRE(::chown(s.cache.c_str(), 4242, 4242) == 0);
  CHECK_THAT(refusal(s.registry, path),
             Catch::Contains("plugin cache directory " + s.cache + " belongs to uid 4242"));
}

TEST_CASE("a cache and copy an older weir left readable by others are made private and used") {
  Setup s;
  std::string path = s.put(core_so(), "core.so");
  std::string err;
  const std::string copy =
      s.cache + "/core-" + weir::sha256_hex_of_file(path, &err).substr(0, 16) + ".so";
  fs::copy_file(path, copy);
  REQUIRE(::chmod(copy.c_str(), 0644) == 0);
  REQUIRE(::chmod(s.cache.c_str(), 0755) == 0);
  struct stat before {};
  REQUIRE(::stat(copy.c_str(), &before) == 0);
  auto loaded = s.registry.load_file(path);
  REQUIRE(loaded);
  CHECK(loaded.value()->loaded_path == copy);
  CHECK(mode_of(s.cache) == 0700);
  CHECK(mode_of(copy) == 0600);
  struct stat after {};
  REQUIRE(::stat(copy.c_str(), &after) == 0);
  CHECK(after.st_ino == before.st_ino);  // the same file, not written again
}

TEST_CASE("a copy that does not match its source once written is refused, naming both") {
  TempDir tmp;
  const std::string source = tmp.file("core.so");
  fs::copy_file(core_so(), source);
  const std::string bytes = read_all(source);
  const std::vector<std::uint8_t> data(bytes.begin(), bytes.end());
  const std::string sha = weir::sha256_hex(data);
  // Between the write and the check: a bit flipped on the way to the disk.
  weir::plugins::PluginCache cache(tmp.file("cache"), [](const std::string& written) {
    std::fstream f(written, std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(100);
    const char byte = static_cast<char>(f.get());
    f.seekp(100);
    f.put(static_cast<char>(~byte));
  });
  auto copy = cache.copy(source, data, sha);
  REQUIRE_FALSE(copy);
  const std::string named = tmp.file("cache") + "/core-" + sha.substr(0, 16) + ".so";
  CHECK_THAT(copy.error(), Catch::StartsWith("plugin copy " + named + " does not match " +
                                             source + " once written (sha256 of the copy: "));
  CHECK_THAT(copy.error(), Catch::Contains("of the file: " + sha + "); refused"));
  CHECK(fs::is_empty(tmp.file("cache")));  // neither the copy nor its temporary stays

  // The same cache without the fault makes a good copy.
  auto good = weir::plugins::PluginCache(tmp.file("cache")).copy(source, data, sha);
  REQUIRE(good);
  CHECK(good.value() == named);
  CHECK(read_all(named) == bytes);
}

TEST_CASE("a rebuilt file at the same path loads from a new copy and runs the new code") {
  Setup s;
  std::string path = s.put(fixture("good"), "good.so");
  auto v1 = s.registry.load_file(path);
  REQUIRE(v1);
  NodeTypeRef old_echo = s.registry.find("good.echo");
  REQUIRE(old_echo);

  s.put(good_v2(), "good.so");
  auto v2 = s.registry.load_file(path);
  REQUIRE(v2);
  CHECK(v2.value()->version == "2");
  CHECK(v2.value()->loaded_path != v1.value()->loaded_path);
  CHECK(s.registry.plugins().size() == 1);
  NodeTypeRef new_echo = s.registry.find("good.echo");
  REQUIRE(new_echo);
  CHECK(new_echo->library == v2.value());

  // Both builds are mapped and each runs its own code.
  PluginTestHost host;
  REQUIRE(host.create(old_echo->type, "{}"));
  REQUIRE(host.create(new_echo->type, "{}"));
  auto logs = host.logs();
  REQUIRE(logs.size() == 2);
  CHECK(logs[0].text == "good 1 created");
  CHECK(logs[1].text == "good 2 created");
}

TEST_CASE("a refused rebuild leaves the previous build registered") {
  Setup s;
  std::string path = s.put(fixture("good"), "good.so");
  auto v1 = s.registry.load_file(path);
  REQUIRE(v1);
  s.put(fixture("abi_major"), "good.so");  // a broken "new build" at the same path
  CHECK_THAT(refusal(s.registry, path), Catch::StartsWith(path + ": built for weir ABI"));
  REQUIRE(s.registry.find("good.echo"));
  CHECK(s.registry.find("good.echo")->library == v1.value());
}

TEST_CASE("a NodeTypeRef keeps its library loaded after the registry is gone") {
  TempDir tmp;
  NodeTypeRef echo;
  {
    PluginRegistry registry(tmp.file("cache"));
    REQUIRE(registry.load_file(fixture("good")));
    echo = registry.find("good.echo");
  }
  REQUIRE(echo);
  std::string copy = echo->library->loaded_path;
  CHECK(is_mapped(copy));

  // Call through the type's function pointers: the code must still be there.
  PluginTestHost host;
  auto instance = host.create(echo->type, "{}");
  REQUIRE(instance);
  auto answers = host.process(*instance, {weir::Json{{"sku", "A-1"}, {"qty", 3}}});
  REQUIRE(answers.size() == 1);
  CHECK(answers[0].outcome == WEIR_OUTCOME_SUCCESS);
  REQUIRE(answers[0].outputs.size() == 1);
  CHECK(answers[0].outputs[0] == weir::Json{{"sku", "A-1"}, {"qty", 3}});
  instance.reset();

  echo.reset();  // the last reference: the library goes
  CHECK_FALSE(is_mapped(copy));
}

TEST_CASE("an SDK-built plugin really unloads when its last reference goes") {
  // Guards -fno-gnu-unique: a STB_GNU_UNIQUE symbol would pin the library.
  TempDir tmp;
  std::string copy;
  {
    PluginRegistry registry(tmp.file("cache"));
    auto loaded = registry.load_file(core_so());
    REQUIRE(loaded);
    copy = loaded.value()->loaded_path;
    CHECK(is_mapped(copy));
  }
  CHECK_FALSE(is_mapped(copy));
}

// ---- directories ------------------------------------------------------------

TEST_CASE("load_directory registers the good files and reports the bad ones") {
  Setup s;
  s.put(core_so(), "core.so");
  s.put(fixture("good"), "good.so");
  s.put(fixture("abi_major"), "abi_major.so");
  s.put(fixture("no_entry"), "no_entry.so");
  std::ofstream(s.src + "/readme.txt") << "not a plugin, and not named .so";
  std::ofstream(s.src + "/text.so") << std::string(100, 'x');
  fs::create_directory(s.src + "/folder.so");

  std::vector<LoadRefusal> refusals = s.registry.load_directory(s.src);
  REQUIRE(refusals.size() == 3);  // sorted by file name
  CHECK(refusals[0].path == s.src + "/abi_major.so");
  CHECK_THAT(refusals[0].reason, Catch::StartsWith(s.src + "/abi_major.so: built for weir ABI"));
  CHECK(refusals[1].path == s.src + "/no_entry.so");
  CHECK_THAT(refusals[1].reason, Catch::EndsWith("no weir_plugin_entry symbol"));
  CHECK(refusals[2].path == s.src + "/text.so");
  CHECK_THAT(refusals[2].reason, Catch::Contains("not a loadable shared library"));

  auto plugins = s.registry.plugins();
  REQUIRE(plugins.size() == 2);
  CHECK(plugins[0]->name == "core");
  CHECK(plugins[1]->name == "good");
  CHECK(s.registry.type_names() == std::vector<std::string>{"core.comparator", "core.log",
                                                              "core.mapper", "core.pass",
                                                              "good.echo"});

  // Scanning again changes nothing and reports the same files.
  CHECK(s.registry.load_directory(s.src).size() == 3);
  CHECK(s.registry.plugins() == plugins);
}

TEST_CASE("load_directory of a missing directory is one refusal naming it") {
  TempDir tmp;
  PluginRegistry registry(tmp.file("cache"));
  std::string dir = tmp.file("no-such-plugins");
  auto refusals = registry.load_directory(dir);
  REQUIRE(refusals.size() == 1);
  CHECK(refusals[0].path == dir);
  CHECK(refusals[0].reason == dir + ": plugins directory does not exist");
}

TEST_CASE("lookups run safely while other threads load plugins") {
  Setup s;
  std::vector<std::string> files = {s.put(core_so(), "core.so"), s.put(fixture("good"), "good.so"),
                                    s.put(fixture("other_pass"), "other_pass.so")};
  // Catch2 assertions are not thread-safe: threads count, the test checks.
  std::atomic<bool> done{false};
  std::atomic<int> missing{0};
  std::atomic<int> loaded{0};
  std::thread reader([&] {
    while (!done) {
      for (const auto& name : s.registry.type_names()) missing += s.registry.find(name) ? 0 : 1;
    }
  });
  std::vector<std::thread> loaders;
  for (const auto& f : files)
    loaders.emplace_back([&s, &loaded, f] { loaded += s.registry.load_file(f) ? 1 : 0; });
  for (auto& t : loaders) t.join();
  done = true;
  reader.join();
  CHECK(loaded == 3);
  CHECK(missing == 0);
  CHECK(s.registry.type_names().size() == 6);
}

// ---- the plugin template (examples/plugin-template) ----------------------------

TEST_CASE("the plugin template builds into a plugin that loads and greets") {
  Setup s;
  REQUIRE(s.registry.load_file(hello_so()));
  NodeTypeRef greet = s.registry.find("hello.greet");
  REQUIRE(greet);
  CHECK(greet->max_batch == 100);
  CHECK(weir::Json::parse(greet->config_schema)["properties"].contains("greeting"));

  CHECK(PluginTestHost::validate(greet->type, R"({"greeting": "Hi"})").empty());
  CHECK(PluginTestHost::validate(greet->type, R"({"greeting": 5})") ==
        std::vector<std::string>{"hello.greet: greeting must be a string, got 5"});

  PluginTestHost host;
  auto instance = host.create(greet->type, R"({"greeting": "Hi"})");
  REQUIRE(instance);
  auto answers = host.process(*instance, {weir::Json{{"name", "Ada"}}, weir::Json::array()});
  CHECK(answers[0].outcome == WEIR_OUTCOME_SUCCESS);
  REQUIRE(answers[0].outputs.size() == 1);
  CHECK(answers[0].outputs[0] == weir::Json{{"name", "Ada"}, {"greeting", "Hi, Ada!"}});
  CHECK(answers[1].outcome == WEIR_OUTCOME_FAILED);
  CHECK(answers[1].error == "hello.greet: payload is not an object");
}

TEST_CASE("a plugin's application types are listed with their schema and check request") {
  Setup s;
  REQUIRE(s.registry.load_file(std::string(WEIR_TEST_PLUGINS_DIR) + "/testkit.so"));
  REQUIRE(s.registry.load_file(core_so()));
  const auto types = s.registry.app_types();
  REQUIRE(types.size() == 1);  // core declares none
  CHECK(types[0].full_name == "testkit.shop");
  CHECK(types[0].plugin == "testkit");
  CHECK(types[0].check_target == "system_status");
  CHECK_THAT(types[0].settings_schema, Catch::Contains("store_code"));
  const auto node = s.registry.find("testkit.shop_fetch");
  REQUIRE(node);
  CHECK(node->app_type == "testkit.shop");
  CHECK(s.registry.find("testkit.fetch")->app_type.empty());
}
