#!/usr/bin/env bash
# The main demo in its short mode, as CI runs it: scripts/demo.sh --short
# on the built tree, then its summary line checked: every product synced,
# every order in the ERP once, the delta run one or two shop requests, the bad
# postcode's first try in the trash.
set -euo pipefail
root="$1"
out=$(WEIR_BUILD_DIR="$2" "$root/scripts/demo.sh" --short --no-setup 2>&1) || { echo "$out"; echo "demo failed"; exit 1; }
line=$(echo "$out" | grep '^summary: ' || true)
echo "$line"
expect() {
  echo "$line" | grep -q " $1 \| $1\$" || { echo "$out" | tail -40; echo "expected $1 in: $line"; exit 1; }
}
expect "products=500"
expect "orders=101"
expect "duplicates=0"
# 10 changed products: one batch request, two when they reach the shop node
# in two calls (it takes up to 100 a call, whatever has arrived)
delta=$(echo "$line" | sed -n 's/.*delta_shop_requests=\([0-9]*\).*/\1/p')
[ -n "$delta" ] && [ "$delta" -ge 1 ] && [ "$delta" -le 2 ] || { echo "delta requests: '$delta'"; exit 1; }
expect "trash=1"
