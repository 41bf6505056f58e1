// common/private_files.hpp on real directories and files, under the umask
// an operator's shell usually has (022) and under odd ones.
#include "common/private_files.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "support/file_modes.hpp"
#include "support/temp_dir.hpp"

namespace fs = std::filesystem;
using weir::PrivacyChange;
using weir::test::mode_of;
using weir::test::ScopedUmask;
using weir::test::TempDir;

TEST_CASE("a missing private directory is made 0700 with its parents, whatever the umask") {
  TempDir tmp;
  for (mode_t mask : {022, 0277}) {
    ScopedUmask scoped(mask);
    const std::string dir = tmp.file("a" + std::to_string(mask) + "/b/data");
    auto made = weir::make_private_dir(dir, "data directory");
    REQUIRE(made);
    CHECK(made->action == PrivacyChange::kCreated);
    CHECK(mode_of(dir) == 0700);
  }
}

TEST_CASE("a directory of ours that others can read is tightened, and says what it was") {
  TempDir tmp;
  const std::string dir = tmp.file("data");
  fs::create_directory(dir);
  REQUIRE(::chmod(dir.c_str(), 02755) == 0);
  auto made = weir::make_private_dir(dir, "data directory");
  REQUIRE(made);
  CHECK(made->action == PrivacyChange::kTightened);
  CHECK(mode_of(dir) == 0700);
  CHECK(made->note("data directory", dir) == "data directory " + dir +
                                                 " was readable by group or others (mode 2755); "
                                                 "made it private (0700)");
  auto again = weir::make_private_dir(dir, "data directory");
  REQUIRE(again);
  CHECK(again->action == PrivacyChange::kNone);
  CHECK(again->note("data directory", dir).empty());
}

TEST_CASE("a directory others can write is refused and left as it is") {
  TempDir tmp;
  const std::string dir = tmp.file("shared");
  fs::create_directory(dir);
  for (mode_t mode : {01777, 0770, 0702}) {
    REQUIRE(::chmod(dir.c_str(), mode) == 0);
    auto made = weir::make_private_dir(dir, "data directory");
    REQUIRE_FALSE(made);
    CHECK_THAT(made.error(), Catch::StartsWith("data directory " + dir +
                                               " is writable by group or others (mode " +
                                               weir::mode_text(mode) + ")"));
    CHECK_THAT(made.error(), Catch::Contains("give weir a directory of its own (mode 0700)"));
    CHECK(mode_of(dir) == static_cast<int>(mode));
  }
}

TEST_CASE("a file where a private directory should be is refused") {
  TempDir tmp;
  std::ofstream(tmp.file("data")) << "x";
  auto made = weir::make_private_dir(tmp.file("data"), "data directory");
  REQUIRE_FALSE(made);
  CHECK(made.error() == "data directory " + tmp.file("data") + " is not a directory");
}

TEST_CASE("a directory or file of another user is refused") {
  if (::geteuid() != 0) {
    WARN("skipped: only root can give a directory to another user");
    return;
  }
  TempDir tmp;
  const std::string dir = tmp.file("data");
  fs::create_directory(dir);
  REQUIRE(::chmod(dir.c_str(), 0700) == 0);
  REQUIRE(::chown(dir.c_str(), 4242, 4242) == 0);
  auto made = weir::make_private_dir(dir, "data directory");
  REQUIRE_FALSE(made);
  CHECK_THAT(made.error(), Catch::StartsWith("data directory " + dir +
                                             " belongs to uid 4242, but weir runs as uid 0"));
  CHECK_FALSE(weir::check_private_dir(dir, "control socket directory"));
  std::ofstream(tmp.file("weir.db")) << "x";
  REQUIRE(::chown(tmp.file("weir.db").c_str(), 4242, 4242) == 0);
  CHECK_FALSE(weir::make_private_file(tmp.file("weir.db"), "database file"));
}

TEST_CASE("an existing file is made private and a missing one is left missing") {
  ScopedUmask usual(022);
  TempDir tmp;
  const std::string file = tmp.file("weir.db");
  auto missing = weir::make_private_file(file, "database file");
  REQUIRE(missing);
  CHECK(missing->action == PrivacyChange::kNone);
  CHECK_FALSE(fs::exists(file));
  std::ofstream(file) << "rows";
  REQUIRE(mode_of(file) == 0644);
  auto made = weir::make_private_file(file, "database file");
  REQUIRE(made);
  CHECK(made->action == PrivacyChange::kTightened);
  CHECK(made->old_mode == 0644);
  CHECK(mode_of(file) == 0600);
}

TEST_CASE("a private file is created 0600 whatever the umask, and an existing one is kept") {
  TempDir tmp;
  for (mode_t mask : {022, 0277}) {
    ScopedUmask scoped(mask);
    const std::string file = tmp.file("new-" + std::to_string(mask));
    REQUIRE(weir::create_private_file(file, "database file"));
    CHECK(mode_of(file) == 0600);
  }
  const std::string kept = tmp.file("kept");
  std::ofstream(kept) << "data";
  REQUIRE(weir::create_private_file(kept, "database file"));
  std::ifstream in(kept);
  std::string text;
  in >> text;
  CHECK(text == "data");
}

TEST_CASE("check_private_dir accepts 0700 and names the mode of anything wider") {
  TempDir tmp;
  const std::string dir = tmp.file("data");
  fs::create_directory(dir);
  REQUIRE(::chmod(dir.c_str(), 0700) == 0);
  CHECK(weir::check_private_dir(dir, "control socket directory"));
  REQUIRE(::chmod(dir.c_str(), 0750) == 0);
  auto st = weir::check_private_dir(dir, "control socket directory");
  REQUIRE_FALSE(st);
  CHECK(st.message() == "control socket directory " + dir +
                            " is not private (mode 0750; group and others must have no access)");
}
