// common/secret_source.hpp: secrets read when asked, from the environment
// and from real files that appear, change and go away.
#include "common/secret_source.hpp"

#include <catch2/catch.hpp>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "support/file_modes.hpp"
#include "support/temp_dir.hpp"

using weir::SecretSource;
using weir::test::TempDir;

namespace {

// As an operator should: readable by its owner only.
void write(const std::string& path, const std::string& text) {
  weir::test::write_private(path, text);
}

}  // namespace

TEST_CASE("an environment secret is read when asked, and unset or empty is an error naming it") {
  const auto secret = SecretSource::from_env("WEIR_TEST_SECRET_SOURCE");
  ::unsetenv("WEIR_TEST_SECRET_SOURCE");
  CHECK(secret->get().error() == "environment variable WEIR_TEST_SECRET_SOURCE is not set");
  ::setenv("WEIR_TEST_SECRET_SOURCE", "", 1);
  CHECK(secret->get().error() == "environment variable WEIR_TEST_SECRET_SOURCE is empty");
  ::setenv("WEIR_TEST_SECRET_SOURCE", "s3cret", 1);
  REQUIRE(secret->get());
  CHECK(secret->get().value() == "s3cret");
  ::unsetenv("WEIR_TEST_SECRET_SOURCE");
}

TEST_CASE("a secret file that appears, changes and is replaced after the start is used at once") {
  TempDir tmp;
  const std::string path = tmp.file("wc-secret");
  const auto secret = SecretSource::from_file(path);
  CHECK(secret->where() == "secret file " + path);
  CHECK(secret->get().error() ==
        "secret file " + path + " cannot be read: No such file or directory");

  write(path, "first-one\n");  // the trailing newline is not part of it
  REQUIRE(secret->get());
  CHECK(secret->get().value() == "first-one");

  // Rewritten in place with the same size, at once: its timestamps may be
  // those the cache saw (they are coarse), and it must be read again anyway.
  write(path, "second-on\n");
  REQUIRE(secret->get());
  CHECK(secret->get().value() == "second-on");

  // Replaced by a rename, as secret managers do.
  write(path + ".new", "third\r\n");
  std::filesystem::rename(path + ".new", path);
  REQUIRE(secret->get());
  CHECK(secret->get().value() == "third");

  write(path, "\n");
  CHECK(secret->get().error() == "secret file " + path + " is empty");
  std::filesystem::remove(path);
  CHECK_FALSE(secret->get());
}

TEST_CASE("a secret file over 64 KB is refused as the wrong file") {
  TempDir tmp;
  const std::string path = tmp.file("big");
  write(path, std::string(SecretSource::kMaxFileBytes + 1, 'k'));
  auto got = SecretSource::from_file(path)->get();
  REQUIRE_FALSE(got);
  CHECK_THAT(got.error(), Catch::Contains("is over 64 KB"));
  write(path, std::string(SecretSource::kMaxFileBytes, 'k'));
  CHECK(SecretSource::from_file(path)->get());
}

TEST_CASE("a secret file open to group or others is refused, saying so and how to fix it") {
  TempDir tmp;
  const std::string path = tmp.file("wc-secret");
  write(path, "s3cret\n");
  const auto secret = SecretSource::from_file(path);
  REQUIRE(secret->get());
  for (mode_t loose : {0644, 0640, 0604, 0660}) {
    ::chmod(path.c_str(), loose);
    auto got = secret->get();
    REQUIRE_FALSE(got);
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(loose));
    CHECK(got.error() == "secret file " + path + " is open to group or others (mode " + mode +
                             "); weir reads only private secret files: chmod 600 " + path);
    CHECK_THAT(got.error(), !Catch::Contains("s3cret"));
  }
  ::chmod(path.c_str(), 0400);
  CHECK(secret->get().value() == "s3cret");
}

TEST_CASE("secret references: env:NAME and file:PATH, a relative path from the naming file's directory") {
  auto env = weir::parse_secret_ref("env:WC_SECRET", "/etc/weir/apps");
  REQUIRE(env);
  CHECK(env->kind == weir::SecretRef::Kind::env);
  CHECK(env->name == "WC_SECRET");
  auto rel = weir::parse_secret_ref("file:secrets/wc", "/etc/weir/apps");
  REQUIRE(rel);
  CHECK(rel->kind == weir::SecretRef::Kind::file);
  CHECK(rel->name == "/etc/weir/apps/secrets/wc");
  CHECK(weir::parse_secret_ref("file:/run/secrets/wc", "/etc/weir/apps")->name == "/run/secrets/wc");
  CHECK(SecretSource::from(*rel)->where() == "secret file /etc/weir/apps/secrets/wc");
  for (const char* bad : {"cs_1234567890abcdef", "env:", "env:1X", "env:A-B", "file:", "ENV:X", ""}) {
    auto r = weir::parse_secret_ref(bad, "");
    REQUIRE_FALSE(r);
    if (std::string(bad).size() > 5) CHECK_THAT(r.error(), !Catch::Contains(bad));
  }
}
