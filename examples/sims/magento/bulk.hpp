// Magento's asynchronous bulk API: the bulks and their operations
// (magento_bulk, magento_operation) and the consumer that works them off
// (async.operations.all), here a thread.
//
// POST /rest/<store>/async/bulk/V1/products takes an array of
// {"product": {...}}; every item is converted first (a missing "product"
// or a value of the wrong type fails the whole request with the webapi's
// 400, nothing scheduled), then each becomes an open operation (status 4)
// and the answer is 202 {bulk_uuid, request_items [{id, data_hash,
// status: "accepted"}], errors: false}. The consumer starts an operation
// `delay` after it was accepted and runs at most `rate` per second; each
// operation is one ProductRepository::save and fails alone: status 1
// complete ("Service execution success ...::save"), 3 not retriably failed
// with the exception's message, placeholders filled, as result_message
// (e.g. "URL key for specified store already exists.") and its code
// (0) as error_code. 2 (retriably failed) is for lock/deadlock errors,
// which a simulator does not have; 5 rejected is for items refused at
// accept time by the message validator.
//
// Threads: BulkStore is guarded by its own mutex; the consumer thread
// calls `work` (which takes the shop's mutex) without holding it.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "errors.hpp"

namespace weir::sims::mage {

enum OperationStatus {
  kComplete = 1,
  kRetriablyFailed = 2,
  kNotRetriablyFailed = 3,
  kOpen = 4,
  kRejected = 5
};

struct Operation {
  std::int64_t id = 0;  // its key within the bulk (the request item's id)
  std::string topic;
  int status = kOpen;
  std::string serialized_data;  // {"entity_id":null,"entity_link":"","meta_information":"..."}
  std::string result_serialized_data;
  std::optional<std::string> result_message;
  std::optional<int> error_code;
  Json body;  // the item, as given
  std::string path_sku;
};

struct Bulk {
  std::string uuid;
  std::string description;
  std::int64_t start_time = 0;
  int user_type = 2;
  std::int64_t user_id = 1;
  std::vector<Operation> operations;
};

class BulkStore {
 public:
  using Clock = std::chrono::steady_clock;
  // The work of one operation: the saved product's JSON, or the failure.
  struct Outcome {
    int status = kComplete;
    std::string message;
    int error_code = 0;
    std::string output;  // serialized result
  };
  using Work = std::function<Outcome(const Operation& op)>;

  BulkStore(std::chrono::milliseconds delay, double rate, Work work);
  ~BulkStore();
  BulkStore(const BulkStore&) = delete;
  BulkStore& operator=(const BulkStore&) = delete;

  // Schedules the operations; returns the bulk's uuid.
  std::string schedule(Bulk bulk);
  std::optional<Bulk> find(const std::string& uuid);
  std::size_t open_operations();

 private:
  void run();

  std::chrono::milliseconds delay_;
  double rate_;
  Work work_;
  std::mutex mu_;
  std::condition_variable wake_;
  std::map<std::string, Bulk> bulks_;  // guarded by mu_
  struct Pending {
    std::string uuid;
    std::size_t index;
    Clock::time_point ready;
  };
  std::deque<Pending> queue_;  // guarded by mu_
  bool stopping_ = false;      // guarded by mu_
  std::thread thread_;         // last: runs run()
};

// A v4-shaped uuid from a counter and a seed (deterministic per run).
std::string make_uuid(std::uint64_t seed, std::uint64_t n);
std::string sha256_hex(const std::string& data);

}  // namespace weir::sims::mage
