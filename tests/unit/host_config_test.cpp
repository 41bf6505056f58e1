// weir.yaml's limits for the HTTP server and the retention of finished
// processes: defaults, accepted values, and errors naming file:line.
#include <catch2/catch.hpp>

#include <fstream>

#include "config/host_config.hpp"
#include "support/temp_dir.hpp"

using weir::config::HostConfig;
using weir::config::load_host_config;
using weir::test::TempDir;
using namespace std::chrono_literals;

namespace {

const std::string kDirs = "data_dir: data\nplugins_dir: plugins\ntopologies_dir: topologies\n";

weir::Result<HostConfig> load(const TempDir& dir, const std::string& extra) {
  std::ofstream(dir.file("weir.yaml")) << kDirs << extra;
  return load_host_config(dir.file("weir.yaml"));
}

std::string error_of(const TempDir& dir, const std::string& extra) {
  auto c = load(dir, extra);
  REQUIRE_FALSE(c.is_ok());
  return c.error();
}

}  // namespace

TEST_CASE("weir.yaml: the HTTP limits and the retention have defaults") {
  TempDir dir;
  auto c = load(dir, "");
  INFO(c.error());
  REQUIRE(c.is_ok());
  CHECK(c->http_max_connections == 0);  // the server's default: 1024, or what fds allow
  CHECK(c->http_max_buffered == 64u * 1024 * 1024);
  CHECK(c->http_header_timeout == 10s);
  CHECK(c->http_body_timeout == 10s);
  CHECK(c->http_min_body_rate == 32u * 1024);
  CHECK(c->http_idle_timeout == 60s);
  CHECK(c->store_keep_processes == std::chrono::hours(14 * 24));
}

TEST_CASE("weir.yaml: the HTTP limits and the retention take what is written") {
  TempDir dir;
  auto c = load(dir,
                "http: {max_connections: 500, max_buffered: 16MB, header_timeout: 5s, "
                "body_timeout: 20s, min_body_rate: 8KB, idle_timeout: 2m}\n"
                "store: {keep_processes: 3d}\n");
  INFO(c.error());
  REQUIRE(c.is_ok());
  CHECK(c->http_max_connections == 500);
  CHECK(c->http_max_buffered == 16u * 1024 * 1024);
  CHECK(c->http_header_timeout == 5s);
  CHECK(c->http_body_timeout == 20s);
  CHECK(c->http_min_body_rate == 8u * 1024);
  CHECK(c->http_idle_timeout == 2min);
  CHECK(c->store_keep_processes == std::chrono::hours(72));
  CHECK(load(dir, "store: {keep_processes: forever}\n")->store_keep_processes.count() == 0);
  // A larger max_body raises the unset max_buffered with it.
  CHECK(load(dir, "http: {max_body: 100MB}\n")->http_max_buffered == 100u * 1024 * 1024);
}

TEST_CASE("weir.yaml: bad HTTP limits and retention are errors naming file and line") {
  TempDir dir;
  const std::string file = dir.file("weir.yaml");
  CHECK_THAT(error_of(dir, "http:\n  max_connections: 0\n"),
             Catch::StartsWith(file + ":5: max_connections must be a whole number >= 1"));
  CHECK_THAT(error_of(dir, "http:\n  max_buffered: lots\n"),
             Catch::StartsWith(file + ":5: max_buffered must be a size"));
  CHECK_THAT(error_of(dir, "http:\n  max_body: 2MB\n  max_buffered: 1MB\n"),
             Catch::StartsWith(file + ":6: http.max_buffered (1048576 bytes) must be at least "
                                      "http.max_body (2097152 bytes)"));
  CHECK_THAT(error_of(dir, "http:\n  header_timeout: 0s\n"),
             Catch::StartsWith(file + ":5: header_timeout must be longer than 0"));
  CHECK_THAT(error_of(dir, "http:\n  idle_timeout: soon\n"),
             Catch::StartsWith(file + ":5: idle_timeout must be a duration"));
  CHECK_THAT(error_of(dir, "store:\n  keep_processes: 10s\n"),
             Catch::StartsWith(file + ":5: keep_processes must be a duration of at least 1m") &&
                 Catch::Contains("or forever; got '10s'"));
  CHECK_THAT(error_of(dir, "http: {max_conections: 5}\n"),
             Catch::Contains("unknown key 'max_conections'") && Catch::Contains("max_connections"));
}

TEST_CASE("weir.yaml: a PostgreSQL store takes its URL by reference, a host name and a lease") {
  TempDir dir;
  auto c = load(dir, "store: {kind: postgres, url: env:WEIR_PG_URL, host: web-1, lease: 10s}\n");
  INFO(c.error());
  REQUIRE(c.is_ok());
  CHECK(c->store_kind == "postgres");
  CHECK(c->store_url.kind == weir::SecretRef::Kind::env);
  CHECK(c->store_url.name == "WEIR_PG_URL");
  CHECK(c->store_host == "web-1");
  CHECK(c->store_lease == 10s);
  auto f = load(dir, "store: {kind: postgres, url: file:pg-url}\n");
  REQUIRE(f.is_ok());
  CHECK(f->store_url.kind == weir::SecretRef::Kind::file);
  CHECK(f->store_url.name == dir.file("pg-url"));
  CHECK(f->store_host.empty());  // the machine's name and the data directory, when serving
  CHECK(f->store_lease == 30s);
  auto sqlite = load(dir, "");
  REQUIRE(sqlite.is_ok());
  CHECK(sqlite->store_kind == "sqlite");
}

TEST_CASE("weir.yaml: a PostgreSQL store without a URL reference, or with SQLite's settings, is refused") {
  TempDir dir;
  const std::string file = dir.file("weir.yaml");
  CHECK_THAT(error_of(dir, "store:\n  kind: postgres\n"),
             Catch::StartsWith(file + ":5: kind postgres needs url: env:NAME or file:PATH"));
  // A URL written inline may hold a password: refused, and not repeated.
  const std::string inline_url = "postgresql://weir:s3cret@db/weir";
  const std::string e = error_of(dir, "store:\n  kind: postgres\n  url: " + inline_url + "\n");
  CHECK_THAT(e, Catch::StartsWith(file + ":6: url:"));
  CHECK_THAT(e, !Catch::Contains("s3cret"));
  CHECK_THAT(error_of(dir, "store:\n  kind: postgres\n  url: env:PG\n  max_size: 1GB\n"),
             Catch::StartsWith(file + ":7: max_size is for kind sqlite"));
  CHECK_THAT(error_of(dir, "store:\n  kind: postgres\n  url: env:PG\n  lease: 1s\n"),
             Catch::StartsWith(file + ":7: lease must be at least 2s"));
  CHECK_THAT(error_of(dir, "store:\n  kind: mysql\n"),
             Catch::StartsWith(file + ":5: kind 'mysql' is not one of postgres, sqlite"));
}
