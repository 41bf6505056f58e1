#!/usr/bin/env bash
# Installs what weir needs on Debian 12 (through sudo when not root),
# configures and builds. Usage: scripts/setup.sh [build-dir] [extra cmake args...]
# Idempotent: a second run installs nothing new and rebuilds only what changed.
set -euo pipefail
cd "$(dirname "$0")/.."

build_dir="${1:-build}"
shift || true

packages=(
  g++ cmake ninja-build pkgconf
  libboost-dev libboost-filesystem-dev
  cppzmq-dev libzmq3-dev libmsgpack-cxx-dev
  libsqlite3-dev libspdlog-dev catch2
  libpq-dev postgresql-15  # the PostgreSQL store; the tests start their own server
  libcurl4-openssl-dev libyaml-cpp-dev nlohmann-json3-dev libcli11-dev libssl-dev
  tzdata  # cron triggers read time zones from /usr/share/zoneinfo
  ca-certificates  # the HTTP client verifies shops' TLS against the system's CAs
  curl openssl jq  # the demos: signed webhooks, the simulators' JSON
)
# Never libmsgpack-dev: its C package hijacks find_package(msgpack).

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  "${sudo_cmd[@]}" apt-get update
  "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y --no-install-recommends "${packages[@]}"
fi

cmake -S . -B "$build_dir" -G Ninja "$@"
cmake --build "$build_dir" -j "$(nproc)"
