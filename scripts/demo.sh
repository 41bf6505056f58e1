#!/usr/bin/env bash
# The main demo: weir doing what its users run it for, against two simulated
# outside systems (examples/sims/: a WooCommerce shop and an ERP), with the
# shipped topologies (topologies/) and connectors (plugins/woocommerce, erp).
#
#   scripts/demo.sh            set up, build, run everything, stop what it started
#   scripts/demo.sh --keep     leave the simulators and the host running at the end
#   scripts/demo.sh --short    fewer items (the CI's run: tests/demo/demo_test.sh)
#   scripts/demo.sh --no-setup skip apt and the build (the tree is built already)
# Everything lives in build/demo-sync/ (WEIR_BUILD_DIR=dir: dir/demo-sync/).
#
# It shows, each with a progress bar:
#  1. a full product sync: 10,000 ERP products into an empty shop (categories
#     created on the fly);
#  2. a delta run after 2% of the ERP's prices changed: only those products
#     reach the shop (the rest is never read, or held back by the comparator);
#  3. a flash sale of 1,000 orders by webhook while the ERP is down for 10 s
#     in the middle: each arrives in the ERP exactly once;
#  4. one order with a bad postcode: in the trash with the ERP's reason, then
#     corrected in the shop and taken through by the reconciliation poll;
#  5. the shop in fragile mode (a shared PHP host): never pushed over its limit;
# and ends with a summary table.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"

products=10000 orders=1000 outage=10 keep=0 setup=1
for arg in "$@"; do
  case "$arg" in
    --short) products=500 orders=100 outage=3 ;;
    --keep) keep=1 ;;
    --no-setup) setup=0 ;;
    *) echo "demo.sh: unknown option $arg (known: --short, --keep, --no-setup)" >&2; exit 2 ;;
  esac
done

# WEIR_BUILD_DIR: another build tree (the tests' own, e.g. build-asan).
build="${WEIR_BUILD_DIR:-$root/build}"
[ "$setup" = 1 ] && scripts/setup.sh "$build"
bin="$build/bin"
home="$build/demo-sync"
rm -rf "$home"
mkdir -p "$home/plugins" "$home/topologies" "$home/apps"

bold() { printf '\033[1m%s\033[0m\n' "$*"; }
step() { printf '\n'; bold "== $*"; }
pids=()
stop_all() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap stop_all EXIT

# A progress bar: bar LABEL DONE TOTAL (redrawn in place).
bar() {
  local label=$1 done=$2 total=$3 width=40
  [ "$total" -gt 0 ] || total=1
  local filled=$((done * width / total))
  [ "$filled" -le "$width" ] || filled=$width
  printf '\r  %-28s [%-*s] %6d / %d' "$label" "$width" "$(printf '%*s' "$filled" '' | tr ' ' '#')" \
    "$done" "$total"
}
# progress LABEL TOTAL COMMAND...: redraws while COMMAND's number < TOTAL.
progress() {
  local label=$1 total=$2 n=0
  shift 2
  while :; do
    n=$("$@" 2>/dev/null || echo 0)
    bar "$label" "$n" "$total"
    [ "$n" -ge "$total" ] && break
    sleep 0.3
  done
  printf '\n'
}

# Starts a simulator; sets the variable named $1 to its base URL.
start_sim() {
  local var=$1
  shift
  local log="$home/$(basename "$1").log"
  "$@" >"$log.out" 2>"$log" &
  pids+=($!)
  for _ in $(seq 100); do
    grep -q 'listening on' "$log.out" 2>/dev/null && break
    sleep 0.1
  done
  printf -v "$var" '%s' "$(sed -n 's/^listening on //p' "$log.out")"
}

step "start the outside systems: an ERP and a WooCommerce shop (simulators)"
start_sim erp "$bin/weir-sim-erp" --style classic --products "$products" --customers 50 --seed 7
start_sim shop "$bin/weir-sim-woocommerce" --products 0 --seed 7 --https-terminated \
  --webhook-secret demo-hook-secret
echo "  ERP:  $erp  ($(curl -s "$erp/_sim/style" | jq -r '.style') style, $products products)"
echo "  shop: $shop (empty; WooCommerce REST API v3 behind HTTPS termination)"
wc_auth=(-u ck_test:cs_test)
shop_stat() { curl -s "$shop/_sim/stats" | jq -r "$1"; }
erp_stat() { curl -s "$erp/_sim/stats" | jq -r "$1"; }

step "the weir host: shipped plugins, topologies and two application files"
cp "$build"/plugins/{core,woocommerce,erp}.so "$home/plugins/"
# The shipped files as they are, but their schedules moved to once a year, so
# that only the runs this demo starts happen while it counts requests.
for t in product-sync create-category price-stock-sync order-sync order-status-sync; do
  sed 's|cron: ".*"|cron: "@yearly"|' "topologies/$t.yaml" > "$home/topologies/$t.yaml"
done
cat > "$home/weir.yaml" <<YAML
data_dir: data
plugins_dir: plugins
topologies_dir: topologies
http: {listen: "127.0.0.1:0"}
YAML
cat > "$home/apps/erp.yaml" <<YAML
name: erp
type: erp.rest
base_url: $erp/api/v1
rate: 100/s
concurrency: 8
YAML
cat > "$home/apps/shop.yaml" <<YAML
name: shop
type: woocommerce.shop
base_url: $shop/wp-json/wc/v3
auth: {kind: basic, username: "env:WC_KEY", password: "env:WC_SECRET"}
rate: 50/s
burst: 5
concurrency: 4
YAML
export WC_KEY=ck_test WC_SECRET=cs_test WC_WEBHOOK_SECRET=demo-hook-secret
weir=("$bin/weir")
cfg=(--config "$home/weir.yaml")
"${weir[@]}" serve "${cfg[@]}" >"$home/weir.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do "${weir[@]}" status "${cfg[@]}" >/dev/null 2>&1 && break; sleep 0.1; done
"${weir[@]}" topology ls "${cfg[@]}"
weir_http="http://$("${weir[@]}" status "${cfg[@]}" --json | jq -r .http)"

step "1. full product sync: $products products, ERP -> shop (weir run product-sync)"
start=$(date +%s%N)
"${weir[@]}" run product-sync "${cfg[@]}" --wait >"$home/run1.txt" 2>&1 &
run=$!
progress "products in the shop" "$products" shop_stat .products_created
wait $run
full_ms=$(( ($(date +%s%N) - start) / 1000000 ))
full_shop=$(shop_stat .requests)
full_erp=$(erp_stat .requests_total)
printf '  %d products in %d.%d s: %d shop requests (batches of 100), %d ERP requests\n' \
  "$(shop_stat .products_created)" $((full_ms / 1000)) $((full_ms % 1000 / 100)) "$full_shop" \
  "$full_erp"
echo "  and their prices and stock (weir run price-stock-sync):"
"${weir[@]}" run price-stock-sync "${cfg[@]}" --wait

step "2. delta: 2% of the ERP's prices change (and 2% of its stock); only those prices go"
changed=$(curl -s -X POST "$erp/_sim/change" -d '{"percent": 2, "what": "price"}' | jq .changed)
curl -s -X POST "$erp/_sim/change" -d '{"percent": 2, "what": "stock"}' >/dev/null
curl -s -X POST "$shop/_sim/stats/reset" >/dev/null
curl -s -X POST "$erp/_sim/stats/reset" >/dev/null
"${weir[@]}" run product-sync "${cfg[@]}" --wait >"$home/run2.txt"
delta_shop=$(shop_stat .requests)
delta_erp=$(erp_stat .requests_total)
printf '  %d prices changed in the ERP -> %d products updated in the shop, with %d shop and %d ERP\n' \
  "$changed" "$(shop_stat .products_updated)" "$delta_shop" "$delta_erp"
echo "  requests (a stock change moves a product's modification time, but not what the shop is"
echo "  sent by product-sync: the comparator holds those back; price-stock-sync sends stock)"

step "3. flash sale: $orders orders by webhook, the ERP down for ${outage} s in the middle"
curl -s "${wc_auth[@]}" -H 'Content-Type: application/json' "$shop/wp-json/wc/v3/webhooks" \
  -d "{\"name\": \"weir\", \"topic\": \"order.created\", \"secret\": \"demo-hook-secret\",
       \"delivery_url\": \"$weir_http/hooks/order-sync/created\"}" >/dev/null
skus=$(curl -s "$erp/api/v1/products?per_page=20" | jq -c '[.data[].sku]')
order_batch() {  # order_batch N POSTCODE: N orders in one products/batch-like request
  jq -n --argjson skus "$skus" --argjson n "$1" --arg pc "$2" '{create: [range($n) as $i | {
    status: "processing", currency: "EUR",
    billing: {first_name: "Kunde", last_name: "Nr\($i)", address_1: "Hauptstr. 1", city: "Berlin",
              postcode: $pc, country: "DE", email: "kunde\($i % 40)@example.com"},
    shipping: {first_name: "Kunde", last_name: "Nr\($i)", address_1: "Hauptstr. 1",
               city: "Berlin", postcode: $pc, country: "DE"},
    line_items: [{sku: $skus[$i % 20], quantity: (1 + $i % 3)}]}]}' |
    curl -s "${wc_auth[@]}" -H 'Content-Type: application/json' -d @- \
      "$shop/wp-json/wc/v3/orders/batch" >/dev/null
}
curl -s -X POST "$erp/_sim/stats/reset" >/dev/null
half=$((orders / 2))
sell() {  # sell N: N orders, in requests of at most 100
  local left=$1
  while [ "$left" -gt 0 ]; do
    local n=$((left > 100 ? 100 : left))
    order_batch "$n" 10115
    left=$((left - n))
  done
}
sell "$half"
curl -s -X POST "$erp/_sim/outage" -d "{\"seconds\": $outage}" >/dev/null
echo "  the ERP is down (503 for ${outage} s); the shop keeps selling"
sell $((orders - half))
progress "orders confirmed in the ERP" "$orders" erp_stat .orders.confirmed
printf '  %d orders sold, %d created in the ERP (duplicates prevented: %d), %d webhooks lost\n' \
  "$orders" "$(erp_stat .orders.created)" "$(erp_stat .orders.duplicates_prevented)" \
  "$(shop_stat .webhook_failures)"

step "4. a bad postcode: the ERP's reason in the trash, then fixed at the source"
bad=$(jq -n --argjson skus "$skus" '{status: "processing", currency: "EUR",
  billing: {first_name: "Max", last_name: "Muster", address_1: "Ring 2", city: "Köln",
            postcode: "5067", country: "DE", email: "max@example.com"},
  shipping: {first_name: "Max", last_name: "Muster", address_1: "Ring 2", city: "Köln",
             postcode: "5067", country: "DE"},
  line_items: [{sku: $skus[0], quantity: 1}]}' |
  curl -s "${wc_auth[@]}" -H 'Content-Type: application/json' -d @- "$shop/wp-json/wc/v3/orders" | jq .id)
for _ in $(seq 100); do
  [ "$("${weir[@]}" trash ls "${cfg[@]}" --json | jq length)" -gt 0 ] && break
  sleep 0.1
done
"${weir[@]}" trash ls "${cfg[@]}"
echo "  the shop corrects the address (50667); the next poll takes the order through:"
curl -s "${wc_auth[@]}" -H 'Content-Type: application/json' -X POST \
  "$shop/wp-json/wc/v3/orders/$bad" -d '{"shipping": {"first_name": "Max", "last_name": "Muster",
  "address_1": "Ring 2", "city": "Köln", "postcode": "50667", "country": "DE"}}' >/dev/null
"${weir[@]}" run order-sync "${cfg[@]}" --start shop-orders --wait || true
echo "  ERP orders confirmed now: $(erp_stat .orders.confirmed)"

step "5. the shop becomes fragile (508 above 2 at once, 429 above 5/s); weir adapts"
sed -i 's|^rate: 50/s|rate: 5/s|; s|^burst: 5|burst: 1|; s|^concurrency: 4|concurrency: 2|' \
  "$home/apps/shop.yaml"
"${weir[@]}" reload "${cfg[@]}" >/dev/null
curl -s -X POST "$shop/_sim/fragile" -d '{"rate": 5, "burst": 1, "max_concurrent": 2}' >/dev/null
curl -s -X POST "$shop/_sim/stats/reset" >/dev/null
changed=$(curl -s -X POST "$erp/_sim/change" -d '{"percent": 5, "what": "all"}' | jq .changed)
"${weir[@]}" run price-stock-sync "${cfg[@]}" >/dev/null
progress "price/stock rows updated" "$changed" shop_stat .products_updated
"${weir[@]}" limiter "${cfg[@]}"
printf '  busiest second at the shop: %d requests; at most %d at once; 429: %d, 508: %d\n' \
  "$(shop_stat .max_requests_per_second)" "$(shop_stat .max_concurrent)" \
  "$(shop_stat .throttled_429)" "$(shop_stat .resource_limit_508)"

step "summary"
metrics=$(curl -s "$weir_http/metrics")
stopped=$(echo "$metrics" | awk '/^weir_node_stopped_total\{topology="product-sync",node="compare"\}/ {print $2}')
throttled=$(echo "$metrics" | awk '/^weir_app_throttled_total\{app="shop"\}/ {print $2}')
trash=$("${weir[@]}" trash ls "${cfg[@]}" --json | jq length)
printf '  %-50s %s\n' "products synced (full run)" "$products" \
  "orders taken into the ERP" "$(erp_stat .orders.confirmed)" \
  "shop requests: full sync" "$full_shop" \
  "shop requests: delta sync after 2% changed" "$delta_shop" \
  "requests saved by delta and comparator" "$((full_shop - delta_shop))" \
  "items held back by the comparator" "${stopped:-0}" \
  "throttled answers (429/508/503) from the shop" "${throttled:-0}" \
  "trash entries (the bad postcode's first try)" "$trash"
echo "summary: products=$products orders=$(erp_stat .orders.confirmed) duplicates=$(erp_stat .orders.duplicates_prevented) delta_shop_requests=$delta_shop full_shop_requests=$full_shop trash=$trash"

if [ "$keep" = 1 ]; then
  trap - EXIT
  echo
  echo "still running (--keep): ERP $erp, shop $shop, weir --config $home/weir.yaml"
  echo "stop them with: kill ${pids[*]}"
fi
