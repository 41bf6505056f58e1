#!/usr/bin/env bash
# The platform demo (the shorter, second one; scripts/demo.sh is the main
# one: the real sync). Sets everything up, builds, and shows the host:
#  1. builds the plugin template (examples/plugin-template) on its own, against
#     the SDK only, the way a plugin author would, and drops hello.so into a
#     fresh plugins directory next to core.so;
#  2. starts `weir serve` with a weir.yaml of three keys;
#  3. starts processes with `weir run` (one with --wait, then 2,000 from a JSON
#     lines file) and shows `weir plugins ls`, `weir topology ls`, `weir status`;
#  4. posts a WooCommerce order webhook, signed as WooCommerce signs it (202
#     and a process), then one with a wrong signature (401, nothing stored),
#     and reads the counts from /metrics;
#  5. edits a topology while the host runs (hot reload), then breaks it: the
#     running version stays and `weir topology ls` says why;
#  6. stops the host cleanly.
# Everything lives in build/demo/ (removed and made again on each run).
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"

scripts/setup.sh build
weir="$root/build/bin/weir"
demo="$root/build/demo"
rm -rf "$demo"
mkdir -p "$demo/plugins" "$demo/topologies"

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "build the template plugin against sdk/ only"
cmake -S examples/plugin-template -B "$demo/hello-build" -G Ninja \
  -DWEIR_SDK_DIR="$root/sdk/include" >/dev/null
cmake --build "$demo/hello-build" >/dev/null
cp "$demo/hello-build/hello.so" build/plugins/core.so "$demo/plugins/"
cp topologies/chain.yaml topologies/shop-orders.yaml "$demo/topologies/"
cp examples/plugin-template/topology.yaml "$demo/topologies/hello-example.yaml"
cat > "$demo/weir.yaml" <<YAML
data_dir: data
plugins_dir: plugins
topologies_dir: topologies
YAML
ls -l "$demo/plugins"

step "validate the topologies (no host needed)"
for f in "$demo"/topologies/*.yaml; do "$weir" topology validate "$f" --config "$demo/weir.yaml"; done

step "start the host: weir serve --config $demo/weir.yaml"
# The shop's webhook secret, by reference: shop-orders.yaml names the variable.
export WC_WEBHOOK_SECRET=demo-secret-change-me
"$weir" serve --config "$demo/weir.yaml" >"$demo/weir.log" 2>&1 &
host=$!
trap 'kill $host 2>/dev/null || true' EXIT
for _ in $(seq 100); do "$weir" status --config "$demo/weir.yaml" >/dev/null 2>&1 && break; sleep 0.1; done
cat "$demo/weir.log"

cd "$demo"
step "weir plugins ls"
"$weir" plugins ls
step "weir topology ls"
"$weir" topology ls

step "one process through the template's node: weir run hello-example --wait"
"$weir" run hello-example --payload '{"name": "Ada"}' --wait
grep 'greeted:' weir.log | tail -n 1

step "2,000 processes from a JSON lines file: weir run chain --payloads orders.jsonl --wait"
for i in $(seq 1 2000); do printf '{"order": %d, "sku": "SKU-%05d", "qty": %d}\n' "$i" "$i" $((i % 7 + 1)); done > orders.jsonl
time "$weir" run chain --payloads orders.jsonl --wait

step "weir status"
"$weir" status

step "a WooCommerce order webhook: POST /hooks/shop-orders/order-created"
http="http://$("$weir" status --json | sed -n 's/.*"http": *"\([^"]*\)".*/\1/p')"
order='{"id": 727, "status": "processing", "currency": "EUR", "total": "49.90", "line_items": [{"sku": "MUG-01", "quantity": 2}]}'
# WooCommerce signs the raw body: base64 of its HMAC-SHA256 with the secret.
signature=$(printf '%s' "$order" | openssl dgst -sha256 -hmac "$WC_WEBHOOK_SECRET" -binary | base64)
curl -sS -w '(HTTP %{http_code})\n' -H 'Content-Type: application/json' \
  -H "X-WC-Webhook-Signature: $signature" -H 'X-WC-Webhook-Topic: order.created' \
  -H 'X-WC-Webhook-Delivery-ID: 4711' --data-binary "$order" "$http/hooks/shop-orders/order-created"
for _ in $(seq 50); do grep -q 'order from the shop:' weir.log && break; sleep 0.1; done
grep 'order from the shop:' weir.log | tail -n 1
echo "the same body with a wrong signature:"
curl -sS -w '(HTTP %{http_code})\n' -H 'X-WC-Webhook-Signature: bm90IHRoZSBzaWduYXR1cmU=' \
  --data-binary "$order" "$http/hooks/shop-orders/order-created"
echo "what Prometheus would scrape from $http/metrics:"
curl -sS "$http/metrics" | grep -E '^weir_(webhook_requests_total|processes)\{' | grep -v ' 0$'

step "hot reload: edit the running topology (greeting: Ahoj); no restart"
wait_version() {  # the host reloads on its own once the file has settled
  for _ in $(seq 100); do
    "$weir" topology ls --json | grep -q "\"version\": $1" && return 0
    sleep 0.1
  done
  return 1
}
sed 's/greeting: Hello/greeting: Ahoj/' topologies/hello-example.yaml > hello.tmp
mv hello.tmp topologies/hello-example.yaml
wait_version 2
"$weir" topology ls
"$weir" run hello-example --payload '{"name": "Ada"}' --wait
grep 'greeted:' weir.log | tail -n 1

step "hot reload: a broken edit is refused and version 2 keeps running"
cp topologies/hello-example.yaml hello.good
sed 's/type: core.log/type: core.lgo/' hello.good > hello.tmp
mv hello.tmp topologies/hello-example.yaml
for _ in $(seq 100); do "$weir" topology ls | grep -q '^invalid' && break; sleep 0.1; done
"$weir" topology ls
"$weir" run hello-example --payload '{"name": "Grace"}' --wait
grep 'greeted:' weir.log | tail -n 1
mv hello.good topologies/hello-example.yaml

step "stop the host (SIGTERM drains in-flight work)"
kill -TERM $host
wait $host || true
trap - EXIT
tail -n 3 weir.log
printf '\ndemo finished; everything is in %s\n' "$demo"
