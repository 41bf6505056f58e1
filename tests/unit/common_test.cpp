// Durations and retry policies (host/common).
#include <catch2/catch.hpp>

#include <yaml-cpp/yaml.h>

#include "common/duration.hpp"
#include "common/retry_policy.hpp"

using namespace weir;
using std::chrono::milliseconds;

TEST_CASE("durations read as operators write them") {
  CHECK(parse_duration("250ms") == milliseconds(250));
  CHECK(parse_duration("30s") == milliseconds(30000));
  CHECK(parse_duration("5m") == milliseconds(300000));
  CHECK(parse_duration("2h") == milliseconds(7200000));
  CHECK(parse_duration("1d") == milliseconds(86400000));
  CHECK(parse_duration("1500") == milliseconds(1500));
  for (const char* bad : {"", "s", "-1s", "1.5s", "10 s", "3w", "1sm", "99999999999999999999d"}) {
    INFO(bad);
    CHECK_FALSE(parse_duration(bad).has_value());
  }
  CHECK(format_duration(milliseconds(300000)) == "5m");
  CHECK(format_duration(milliseconds(90000)) == "90s");
  CHECK(format_duration(milliseconds(1500)) == "1500ms");
}

TEST_CASE("retry waits grow by the multiplier up to max_delay, spread by jitter") {
  RetryPolicy p;
  p.delay = milliseconds(1000);
  p.multiplier = 2;
  p.max_delay = milliseconds(5000);
  p.jitter = 0;
  CHECK(p.wait_before(2, milliseconds(0), 0.5) == milliseconds(1000));
  CHECK(p.wait_before(3, milliseconds(0), 0.5) == milliseconds(2000));
  CHECK(p.wait_before(4, milliseconds(0), 0.5) == milliseconds(4000));
  CHECK(p.wait_before(5, milliseconds(0), 0.5) == milliseconds(5000));  // capped
  CHECK(p.wait_before(50, milliseconds(0), 0.5) == milliseconds(5000));
  p.jitter = 0.2;
  CHECK(p.wait_before(2, milliseconds(0), 0.0) == milliseconds(800));
  CHECK(p.wait_before(2, milliseconds(0), 0.999) >= milliseconds(1199));
}

TEST_CASE("a node's own retry delay wins when it is longer, even past max_delay") {
  RetryPolicy p;
  p.jitter = 0;
  p.max_delay = milliseconds(5000);
  CHECK(p.wait_before(2, milliseconds(3600000), 0.5) == milliseconds(3600000));
  CHECK(p.wait_before(2, milliseconds(10), 0.5) == p.delay);
}

TEST_CASE("a retry block sets only the fields it names: problems name the line") {
  auto yaml = YAML::Load("max_attempts: 10\ndelay: 250ms\n");
  std::vector<std::string> errors;
  auto r = read_retry(yaml, [&](int line, const std::string& m) {
    errors.push_back(std::to_string(line) + ": " + m);
  });
  CHECK(errors.empty());
  RetryPolicy p = r.over(RetryPolicy{});
  CHECK(p.max_attempts == 10);
  CHECK(p.delay == milliseconds(250));
  CHECK(p.max_delay == RetryPolicy{}.max_delay);

  auto bad = YAML::Load("max_attempts: 0\ndelay: soon\njitter: 2\nmax_delya: 1s\n");
  errors.clear();
  read_retry(bad, [&](int line, const std::string& m) {
    errors.push_back(std::to_string(line) + ": " + m);
  });
  REQUIRE(errors.size() == 4);
  CHECK_THAT(errors[0], Catch::StartsWith("1: retry.max_attempts must be a number from 1"));
  CHECK_THAT(errors[1], Catch::StartsWith("2: retry.delay must be a duration") &&
                            Catch::Contains("'soon'"));
  CHECK_THAT(errors[2], Catch::StartsWith("3: retry.jitter"));
  CHECK_THAT(errors[3], Catch::StartsWith("4: unknown key 'retry.max_delya'"));
}

TEST_CASE("sizes as operators write them") {
  CHECK(weir::parse_size("2048") == 2048);
  CHECK(weir::parse_size("512KB") == 512 * 1024);
  CHECK(weir::parse_size("2MB") == 2 * 1024 * 1024);
  CHECK(weir::parse_size("1GB") == 1024LL * 1024 * 1024);
  CHECK_FALSE(weir::parse_size("").has_value());
  CHECK_FALSE(weir::parse_size("MB").has_value());
  CHECK_FALSE(weir::parse_size("2 MB").has_value());
  CHECK_FALSE(weir::parse_size("2TB").has_value());
  CHECK_FALSE(weir::parse_size("-1KB").has_value());
  CHECK_FALSE(weir::parse_size("99999999999999999GB").has_value());
}
