#!/usr/bin/env bash
# `make demo`: the whole flow on sample data, with no token and no network.
# Until the uploader lands this validates the Metrica fixtures and prints their reports.
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
step "done"
