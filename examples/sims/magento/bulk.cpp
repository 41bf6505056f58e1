#include "bulk.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <cstdio>

namespace weir::sims::mage {

std::string make_uuid(std::uint64_t seed, std::uint64_t n) {
  std::uint64_t a = seed * 0x9E3779B97F4A7C15ULL + n * 0xBF58476D1CE4E5B9ULL + 0x1234567;
  std::uint64_t b = (a ^ (a >> 29)) * 0x94D049BB133111EBULL + n;
  a ^= a >> 31;
  char buf[48];
  std::snprintf(buf, sizeof buf, "%08x-%04x-4%03x-%04x-%012llx", static_cast<unsigned>(a >> 32),
                static_cast<unsigned>((a >> 16) & 0xffff), static_cast<unsigned>(a & 0xfff),
                static_cast<unsigned>(0x8000 | ((b >> 48) & 0x3fff)),
                static_cast<unsigned long long>(b & 0xffffffffffffULL));
  return buf;
}

std::string sha256_hex(const std::string& data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr);
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < len; ++i) {
    out += kHex[md[i] >> 4];
    out += kHex[md[i] & 15];
  }
  return out;
}

BulkStore::BulkStore(std::chrono::milliseconds delay, double rate, Work work)
    : delay_(delay), rate_(rate), work_(std::move(work)), thread_([this] { run(); }) {}

BulkStore::~BulkStore() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

std::string BulkStore::schedule(Bulk bulk) {
  std::lock_guard lock(mu_);
  const auto ready = Clock::now() + delay_;
  for (std::size_t i = 0; i < bulk.operations.size(); ++i) {
    if (bulk.operations[i].status == kOpen) queue_.push_back({bulk.uuid, i, ready});
  }
  const std::string uuid = bulk.uuid;
  bulks_[uuid] = std::move(bulk);
  wake_.notify_all();
  return uuid;
}

std::optional<Bulk> BulkStore::find(const std::string& uuid) {
  std::lock_guard lock(mu_);
  auto it = bulks_.find(uuid);
  if (it == bulks_.end()) return std::nullopt;
  return it->second;
}

std::size_t BulkStore::open_operations() {
  std::lock_guard lock(mu_);
  return queue_.size();
}

void BulkStore::run() {
  auto next_slot = Clock::now();
  std::unique_lock lock(mu_);
  while (!stopping_) {
    if (queue_.empty()) {
      wake_.wait(lock);
      continue;
    }
    const auto now = Clock::now();
    const auto due = std::max(queue_.front().ready, next_slot);
    if (now < due) {
      wake_.wait_until(lock, due);
      continue;
    }
    const Pending p = queue_.front();
    queue_.pop_front();
    Operation op = bulks_[p.uuid].operations[p.index];
    lock.unlock();
    const Outcome out = work_(op);
    lock.lock();
    Operation& stored = bulks_[p.uuid].operations[p.index];
    stored.status = out.status;
    stored.result_message = out.message;
    if (out.status != kComplete) stored.error_code = out.error_code;
    if (out.status == kComplete) {
      stored.result_serialized_data = out.output;
      stored.serialized_data.clear();  // Magento keeps the input only for failed operations
    }
    if (rate_ > 0) {
      next_slot = std::max(next_slot, now) + std::chrono::duration_cast<Clock::duration>(
                                                 std::chrono::duration<double>(1.0 / rate_));
    }
  }
}

}  // namespace weir::sims::mage
