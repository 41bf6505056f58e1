// common/secret_source.hpp: secrets read when asked, from the environment
// and from real files that appear, change and go away.
#include "common/secret_source.hpp"

#include <catch2/catch.hpp>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "support/temp_dir.hpp"

using weir::SecretSource;
using weir::test::TempDir;

namespace {

void write(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
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
