#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/) with clang and runs each for a while.
#
#   scripts/fuzz.sh [--time SECONDS] [--ci] [--build DIR] [TARGET...] [-- LIBFUZZER_FLAG...]
#     --time S   run each target S seconds (default 60)
#     --ci       a short bounded run for CI: 20 s per target
#     --build D  the build directory (default build-fuzz)
#     TARGET     run only these (default: all of them)
#     -- FLAGS   passed on to every target (e.g. -only_ascii=1 to get past a known crash)
#
# Installs what it needs (clang and its libFuzzer runtime, the host's
# libraries; through sudo when not root; nothing when all is there),
# configures build-fuzz/ (clang, WEIR_FUZZ=ON) and builds only the fuzz
# targets. Each target runs one process (one core: the machine is shared)
# on build-fuzz/fuzz-runs/<target>/corpus,
# a copy of fuzz/corpus/<target> and fuzz/regressions/<target> (so the repo's
# files are never written; what a run learns stays there for the next run).
# Prints per target the seconds run and libFuzzer's executions; exits non-zero
# when any target found a crash, a leak or a hang, printing the reproducer's path.
# Minimise one with: build-fuzz/bin/<target> -minimize_crash=1 -runs=10000 <file>
set -euo pipefail
cd "$(dirname "$0")/.."

# Every fuzz/<target>.cpp is a target.
all_targets=()
for f in fuzz/*_fuzz.cpp; do all_targets+=("$(basename "$f" .cpp)"); done
seconds=60
build=build-fuzz
targets=()
extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --time) seconds="${2:?--time needs a number of seconds}"; shift 2 ;;
    --ci) seconds=20; shift ;;
    --build) build="${2:?--build needs a directory}"; shift 2 ;;
    -h|--help) sed -n '2,22p' "$0"; exit 0 ;;
    --) shift; extra=("$@"); break ;;
    -*) echo "fuzz.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    *) targets+=("$1"); shift ;;
  esac
done
[ ${#targets[@]} -gt 0 ] || targets=("${all_targets[@]}")
for t in "${targets[@]}"; do
  [ -f "fuzz/$t.cpp" ] || { echo "fuzz.sh: no target $t (known: ${all_targets[*]})" >&2; exit 2; }
done
case "$seconds" in ''|*[!0-9]*) echo "fuzz.sh: --time takes whole seconds, got '$seconds'" >&2; exit 2 ;; esac

# The longest input each target tries: a little above its real inputs, so
# that the time goes into variety rather than size. Depth limits (256
# levels) are reached well within these.
max_len() {
  case "$1" in
    cron_fuzz) echo 128 ;;
    control_decode_fuzz) echo 2048 ;;
    *) echo 4096 ;;
  esac
}
# fuzz/dict/<target>.dict, where there is one: the tokens of its format.
dict_args() {
  if [ -f "fuzz/dict/$1.dict" ]; then echo "-dict=fuzz/dict/$1.dict"; fi
}

# What scripts/setup.sh installs for the host's libraries, plus clang and
# the package that holds libFuzzer (libclang_rt.fuzzer-x86_64.a on Debian 12).
packages=(
  clang libclang-rt-14-dev ccache
  cmake ninja-build pkgconf
  libboost-dev libboost-filesystem-dev
  cppzmq-dev libzmq3-dev libmsgpack-cxx-dev
  libsqlite3-dev libspdlog-dev
  libcurl4-openssl-dev libyaml-cpp-dev nlohmann-json3-dev libcli11-dev libssl-dev
  tzdata  # cron_fuzz evaluates schedules in real zones
)
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "fuzz.sh: installing ${missing[*]}"
  "${sudo_cmd[@]}" apt-get update
  "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y --no-install-recommends "${packages[@]}"
fi

started=$(date +%s)
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
  -DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache \
  -DWEIR_FUZZ=ON -DWEIR_BUILD_TESTS=OFF -DWEIR_BUILD_BENCH=OFF >/dev/null
cmake --build "$build" --target weir_fuzz_targets -j "$(nproc)"
echo "fuzz.sh: built in $(( $(date +%s) - started )) s"

summary=()
failed=0
for t in "${targets[@]}"; do
  work="$build/fuzz-runs/$t"
  mkdir -p "$work/corpus" "$work/found"
  cp -f fuzz/corpus/"$t"/* "$work/corpus/"
  if compgen -G "fuzz/regressions/$t/*" >/dev/null; then cp -f fuzz/regressions/"$t"/* "$work/corpus/"; fi
  echo "fuzz.sh: $t for ${seconds} s (log: $work/log)"
  t0=$(date +%s)
  status=0
  # -timeout: an input that takes 10 s is a hang, reported like a crash. The
  # outer timeout bounds the whole run: past -rss_limit_mb, libFuzzer prints
  # ASan's heap profile, which can take minutes with millions of blocks.
  timeout --kill-after=10 "$(( seconds + 120 ))" "$build/bin/$t" "$work/corpus" -max_total_time="$seconds" -max_len="$(max_len "$t")" \
    $(dict_args "$t") -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$work/found/" "${extra[@]}" >"$work/log" 2>&1 || status=$?
  ran=$(( $(date +%s) - t0 ))
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log" | tail -n 1)
  # With -fork, only the parent's progress lines count them: "#13924: cov: ...".
  [ -n "$execs" ] || execs=$(sed -n 's/^#\([0-9]*\): cov.*/\1/p' "$work/log" | tail -n 1)
  if [ "$status" -eq 0 ]; then
    summary+=("$(printf '%-22s %6s s %12s executions  ok' "$t" "$ran" "${execs:-?}")")
    continue
  fi
  failed=1
  reproducer=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$work/log" | tail -n 1)
  summary+=("$(printf '%-22s %6s s %12s executions  FOUND %s' "$t" "$ran" "${execs:-?}" "${reproducer:-(see $work/log)}")")
  echo "fuzz.sh: $t found a problem (exit $status); the end of its log:"
  grep -E '^(==[0-9]+==|SUMMARY|.*fuzz property broken|    #[0-9]+ )' "$work/log" | head -n 40 || tail -n 40 "$work/log"
  echo "fuzz.sh: reproducer: ${reproducer:-none written, see $work/log}"
  echo "fuzz.sh: replay it with: $build/bin/$t ${reproducer:-<file>}"
done

echo "fuzz.sh: per target (seconds run, inputs executed):"
printf '  %s\n' "${summary[@]}"
echo "fuzz.sh: total $(( $(date +%s) - started )) s including the build"
exit "$failed"
