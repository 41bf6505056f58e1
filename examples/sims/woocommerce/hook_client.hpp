// The shop's outgoing HTTP: one blocking POST (HTTP/1.0, as WordPress's
// webhook delivery sends it) to an http:// URL, with a timeout. https://
// is not spoken here; such a delivery fails like an unreachable host.
#pragma once

#include <chrono>
#include <string>
#include <utility>
#include <vector>

namespace weir::sims::woo {

struct PostResult {
  int status = 0;     // 0: no answer (refused, timed out, bad URL)
  std::string error;  // when status is 0
};

PostResult http_post(const std::string& url, const std::string& body,
                     const std::vector<std::pair<std::string, std::string>>& headers,
                     std::chrono::seconds timeout);

}  // namespace weir::sims::woo
