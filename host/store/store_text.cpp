// Text rules both stores share (store_text.hpp).
#include "store_text.hpp"

#include <nlohmann/json.hpp>
#include <weir/payload.hpp>

#include "message/attempt_history.hpp"

namespace weir::store {
namespace {

nlohmann::json detail_object(const std::string& detail) {
  nlohmann::json d = nlohmann::json::parse(detail, nullptr, false);
  if (!d.is_object()) d = {{"note", detail}};
  return d;
}

}  // namespace

// --grep looks where an operator would: the error, every attempt's error,
// and the payload as JSON.
bool trash_matches(const TrashRecord& r, const std::string& grep) {
  if (grep.empty() || r.error.find(grep) != std::string::npos) return true;
  // (replace: an entry stored by an older weir may hold text that is not UTF-8)
  if (message::history_json(r.errors)
          .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)
          .find(grep) != std::string::npos) {
    return true;
  }
  try {
    return payload::to_json_text(r.payload).find(grep) != std::string::npos;
  } catch (const PayloadError&) {
    return false;
  }
}

std::string audit_with(const std::string& detail, const char* key,
                       const std::vector<std::int64_t>& ids) {
  nlohmann::json d = detail_object(detail);
  d[key] = ids;
  return d.dump();
}

std::string audit_with_count(const std::string& detail, const char* key, std::int64_t n) {
  nlohmann::json d = detail_object(detail);
  d[key] = n;
  return d.dump();
}

// The prefix with its last byte below 0xff raised by one (bytes of 0xff
// dropped first: nothing is past them at their place).
std::string prefix_end(const std::string& prefix) {
  std::string past = prefix;
  while (!past.empty() && static_cast<unsigned char>(past.back()) == 0xff) past.pop_back();
  if (!past.empty()) past.back() = static_cast<char>(static_cast<unsigned char>(past.back()) + 1);
  return past;
}

std::string replay_audit_detail(const std::string& detail, const std::vector<std::int64_t>& replayed,
                                const std::vector<std::int64_t>& missing,
                                const std::vector<std::int64_t>& refused) {
  std::string out = audit_with(audit_with(detail, "replayed", replayed), "not_in_trash", missing);
  return refused.empty() ? out : audit_with(out, "not_served", refused);
}

}  // namespace weir::store
