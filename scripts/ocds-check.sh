#!/usr/bin/env bash
# Validates the running server's OCDS publication with the Open Contracting
# Partnership's libcoveocds (offline, against the OCDS 1.1.5 schema that
# scripts/pytools.sh assembles from PyPI):
#   scripts/ocds-check.sh BASE_URL [MONTHS]
# fetches the bulk release packages of the last MONTHS months (default 3, by the
# server's clock: months not begun yet are skipped) and the release packages of
# the 20 processes with the most releases in the newest non-empty month, and fails unless every package
# has zero validation errors, no value outside a closed codelist and no field
# outside the schema, and at least one package holds releases. The bid extension the
# packages declare can't be fetched offline: its schema is merged into the offline
# standard (scripts/pytools.sh), so its "fetching failed" is expected; any other
# extension problem fails.
source "$(dirname "$0")/lib.sh"
BASE=${1:?usage: scripts/ocds-check.sh BASE_URL [MONTHS]}
MONTHS=${2:-3}
"$ROOT/scripts/pytools.sh"
PY_DIR="${ZJCS_CACHE:-$HOME/.cache/zjcs}/py"
OUT=$(mktemp -d /tmp/zjcs-ocds.XXXXXX)
trap 'rm -rf "$OUT"' EXIT

# validate FILE LABEL: prints a line; returns non-zero on any finding
validate() {
  "$PY_DIR/bin/libcoveocds" --standard-zip "$PY_DIR/ocds-standard-1__1__5.zip" --additional-checks none "$1" >"$1.cove" 2>"$1.err" \
    || { echo "    $2: libcoveocds failed: $(tail -3 "$1.err")"; return 1; }
  "$PY_DIR/bin/python" - "$1" "$1.cove" "$2" <<'PY'
import json, sys
package, cove, label = json.load(open(sys.argv[1])), json.load(open(sys.argv[2])), sys.argv[3]
problems = {k: cove.get(k) for k in ("validation_errors", "additional_closed_codelist_values", "additional_fields") if cove.get(k)}
merged = {"https://raw.githubusercontent.com/open-contracting/ocds_bid_extension/v1.1.3/extension.json"}
invalid = (cove.get("extensions") or {}).get("invalid_extension") or {}
unexpected = {url: why for url, why in invalid.items() if not (url in merged and why == "fetching failed")}
if unexpected:
    problems["invalid_extension"] = unexpected
print(f"    {label}: {len(package.get('releases', []))} releases, {len({r['ocid'] for r in package.get('releases', [])})} processes, "
      + ("valid" if not problems else "INVALID"))
for k, v in problems.items():
    print(f"      {k}: {json.dumps(v, ensure_ascii=False)[:2000]}")
sys.exit(1 if problems else 0)
PY
}

failed=0
total=0
newest=
# the server's time: a test-clock server says it; any other runs on this machine's clock
now_ms=$(curl -fs -X POST "$BASE/__test/clock?advance_ms=0" 2>/dev/null || true)
[[ $now_ms =~ ^[0-9]+$ ]] || now_ms=$(( $(date +%s) * 1000 ))
for back in $(seq $((MONTHS - 1)) -1 0); do
  month=$(TZ=Asia/Shanghai date -d "@$(( now_ms / 1000 ))" +%Y-%m-01 | xargs -I{} date -d "{} -$back month" +%Y-%m)
  status=$(curl -s -o "$OUT/$month.json" -w '%{http_code}' "$BASE/api/v1/ocds/months/$month")
  [[ $status == 404 ]] && continue
  [[ $status == 200 ]] || { echo "    $month: HTTP $status: $(head -c 300 "$OUT/$month.json")"; failed=1; continue; }
  validate "$OUT/$month.json" "month $month" || failed=1
  n=$("$PY_DIR/bin/python" -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["releases"]))' "$OUT/$month.json")
  total=$((total + n))
  ((n > 0)) && newest=$month
done
if [[ -n $newest ]]; then
  # the processes with the most releases that month: the longest histories
  for code in $("$PY_DIR/bin/python" -c '
import collections, json, sys
count = collections.Counter(r["tender"]["id"] for r in json.load(open(sys.argv[1]))["releases"])
print("\n".join(code for code, _ in count.most_common(20)))' "$OUT/$newest.json"); do
    status=$(curl -s -o "$OUT/p.json" -w '%{http_code}' "$BASE/api/v1/ocds/releases/$code")
    [[ $status == 200 ]] || { echo "    $code: HTTP $status"; failed=1; continue; }
    validate "$OUT/p.json" "process $code" || failed=1
  done
fi
((total > 0)) || { echo "    no releases published in the last $MONTHS months"; failed=1; }
exit $failed
