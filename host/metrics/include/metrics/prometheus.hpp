// /metrics: the host's figures in the Prometheus text format (0.0.4).
// Counters the store keeps (processed, failed, retried per node) survive
// restarts; call durations and webhook answers count from this run's start.
//
// Threads: any; reads the engine's node status and the store's kept counts
// (no table scan, so a scrape stays cheap with millions of rows).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "engine/engine.hpp"
#include "httpclient/app_counters.hpp"
#include "limiter/app_limiter.hpp"
#include "store/store.hpp"

namespace weir::metrics {

// `webhook_answers`: (status, count) pairs, status 0 for any other
// (webhooks::Receiver::answers()); `apps`: each application's request
// counters, `limiters` its limiter (httpclient::AppClients).
std::string prometheus_text(const engine::Engine& engine, store::Store& store,
                            const std::vector<std::pair<int, std::uint64_t>>& webhook_answers,
                            const std::vector<httpclient::AppFigures>& apps = {},
                            const std::vector<limiter::LimiterView>& limiters = {});

// The Content-Type of prometheus_text().
inline constexpr const char* kContentType = "text/plain; version=0.0.4; charset=utf-8";

}  // namespace weir::metrics
