#!/usr/bin/env bash
# `make demo`: the whole flow on sample data, with no token and no network.
set -uo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "Validate a correct calls file (exit 0 expected)"
callframe validate fixtures/metrica/calls.csv
step "Validate a correct offline-conversions file"
callframe validate --kind conversions fixtures/metrica/conversions.csv
step "Validate a file with one defect per rule (exit 1 expected: the report lists each)"
callframe validate fixtures/metrica/defects/calls_defects.csv --now 1795435200
code=$?
if [ "$code" -ne 1 ]; then
  echo "demo: expected exit 1 for the defects file, got $code" >&2
  exit 1
fi
# ---- convert: tracker exports -> Metrica calls CSV (issue 3) --------------------------------
convert_out="$(mktemp -d)"
step "Detect the tracker of an export (Windows-1251, ';')"
callframe detect fixtures/ringostat/calls_cp1251.csv || exit 1
convert_fixture() {  # name, export, extra options...; some rows are rejected on purpose: exit 1
  local name=$1 export=$2
  shift 2
  step "Convert $export"
  callframe convert "$export" "$@" --now 1795435200 \
    -o "$convert_out/$name.csv" --rejected "$convert_out/$name.rejected.csv"
  local code=$?
  if [ "$code" -ne 1 ]; then
    echo "demo: expected exit 1 (some rows rejected) for $export, got $code" >&2
    exit 1
  fi
}
convert_fixture calltouch fixtures/calltouch/calls.json --tz Europe/Moscow
convert_fixture comagic fixtures/comagic/calls.json --tz Asia/Yekaterinburg
convert_fixture ringostat fixtures/ringostat/calls_cp1251.csv --tz Europe/Kyiv --region UA
step "The converted files pass the contract (exit 0 expected)"
callframe validate "$convert_out/calltouch.csv" "$convert_out/comagic.csv" \
  "$convert_out/ringostat.csv" --now 1795435200 || exit 1
# (the converted files are uploaded below; the upload section removes "$convert_out")
# ---- end of convert ------------------------------------------------------------------------

# ---- upload: a local sandbox, exactly-once uploads, wait for PROCESSED (issue 4) -----------
step "Start the Metrica sandbox on a free loopback port (no network; a demo token)"
export METRICA_TOKEN=demo-token
sandbox_url_file="$(mktemp)"
callframe sandbox --port 0 --token "$METRICA_TOKEN" --processing-seconds 1 \
  --fresh-counter 777 >"$sandbox_url_file" 2>/dev/null &
sandbox_pid=$!
trap 'kill "$sandbox_pid" 2>/dev/null; rm -rf "$sandbox_url_file" "${convert_out:-}"' EXIT
for _ in $(seq 100); do [ -s "$sandbox_url_file" ] && break; sleep 0.1; done
METRICA_BASE_URL="$(head -n 1 "$sandbox_url_file")"
export METRICA_BASE_URL
if [ -z "$METRICA_BASE_URL" ]; then echo "demo: the sandbox did not start" >&2; exit 1; fi
echo "sandbox listening on $METRICA_BASE_URL"
upload() {  # title, file, extra options...: validate, upload, wait; prints the final status
  local title=$1
  shift
  step "$title"
  callframe upload "$@" --counter 12345 --wait --poll-interval 0.5 --quiet || exit 1
}
upload "Upload calls of one ID type (ClientId) and wait until they are processed" \
  fixtures/metrica/calls_client_ids.csv
upload "A file mixing ClientId and Yclid rows goes as two uploads, one per client_id_type" \
  fixtures/metrica/calls_mixed_ids.csv
upload "Upload the offline conversions (ClientId, Yclid, UserId rows: three uploads)" \
  fixtures/metrica/conversions.csv --kind conversions
for name in calltouch comagic ringostat; do
  if [ -f "${convert_out:-}/$name.csv" ]; then
    upload "Upload the calls converted from $name" "$convert_out/$name.csv"
  fi
done
step "Run the mixed upload again: each part found by its content hash, none sent a second time"
callframe upload fixtures/metrica/calls_mixed_ids.csv --counter 12345 || exit 1
step "A fresh counter (777) refuses uploads until it has collected visits (exit 1 expected)"
callframe upload fixtures/metrica/calls_client_ids.csv --counter 777
code=$?
if [ "$code" -ne 1 ]; then
  echo "demo: expected exit 1 (visit_join_threshold_unmet) from a fresh counter, got $code" >&2
  exit 1
fi
step "When the fresh counter takes uploads"
callframe threshold --counter 777 || exit 1
step "Send anyway with --ignore-visit-join-threshold"
callframe upload fixtures/metrica/calls_client_ids.csv --counter 777 \
  --ignore-visit-join-threshold || exit 1
step "The counter's call uploads"
callframe uploads --counter 12345 || exit 1
step "Stop the sandbox"
kill "$sandbox_pid" && wait "$sandbox_pid" 2>/dev/null
echo "sandbox stopped"
# ---- end of upload -------------------------------------------------------------------------

step "done"
