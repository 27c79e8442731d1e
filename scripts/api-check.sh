#!/usr/bin/env bash
# Fuzzes the running server's public read API from its own OpenAPI document with
# schemathesis (PyPI, pinned in scripts/pytools.sh):
#   scripts/api-check.sh BASE_URL
# Every operation of /api/v1/openapi.json gets the schema's examples, its
# boundary values and 50 generated requests each (deterministic), and the run
# fails on any server error (5xx), any answer outside its documented status
# codes, content type, headers or schema, and any schema-invalid request the
# server accepts. Left out: "positive_data_acceptance" (every schema-valid
# request accepted), because a schema cannot list which region codes exist: a
# well-formed but unknown region is answered 400 with a message, as it should be.
source "$(dirname "$0")/lib.sh"
BASE=${1:?usage: scripts/api-check.sh BASE_URL}
"$ROOT/scripts/pytools.sh"
PY_DIR="${ZJCS_CACHE:-$HOME/.cache/zjcs}/py"
OUT=$(mktemp -d /tmp/zjcs-api.XXXXXX)
trap 'rm -rf "$OUT"' EXIT
cd "$OUT"   # schemathesis writes its example database into the working directory
"$PY_DIR/bin/schemathesis" run "$BASE/api/v1/openapi.json" \
  --checks all --exclude-checks positive_data_acceptance \
  --max-examples 50 --generation-deterministic --request-timeout 30 --no-color
