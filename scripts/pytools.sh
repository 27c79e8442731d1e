#!/usr/bin/env bash
# Python test tools in one virtualenv outside the clone; idempotent, pinned versions.
#   scripts/pytools.sh    → $ZJCS_CACHE/py/bin/{libcoveocds,schemathesis,st,python}
#     libcoveocds   OCDS data review / JSON Schema validation (CLI libcoveocds)
#     schemathesis  property-based API tests from an OpenAPI document (CLI schemathesis, st)
#   (OCP's Cardinal is not here: its PyPI wheel is a Python binding with coverage() only,
#   no `ocdscardinal indicators`; scripts/cardinal.sh builds the CLI from the PyPI sdist.)
#   and $ZJCS_CACHE/py/ocds-standard-1__1__5.zip, for `libcoveocds --standard-zip ZIP`:
#     libcoveocds otherwise downloads the standard from GitHub, which these machines can't
#     reach. Built from PyPI alone: the OCDS 1.1.5 release schema that ocdsextensionregistry's
#     sdist ships as a test fixture, the 1.1.5 release package schema from ocdskit's, and the
#     closed codelists (the schema's enums) as CSVs. Open codelists are absent, so unknown open-codelist codes
#     go unreported; release packages only (no record-package schema).
#     The bid extension v1.1.3 (`bids`, which the publication declares in `extensions`) is merged
#     into that release schema: libcoveocds would fetch the extension from GitHub, which these
#     machines can't reach (it then reports the extension as not fetched, and ocds-check.sh
#     accepts exactly that). Its patch is read from ocdskit's sdist fixture b/release-schema.json,
#     a profile built from that extension: every field annotated as coming from
#     .../ocds_bid_extension/v1.1.3/release-schema.json, nothing else.
# A stamp keyed by the pins and the interpreter makes a repeat run instant and offline.
# Prints nothing when all is in place; progress goes through note/step.
source "$(dirname "$0")/lib.sh"
LIBCOVEOCDS_VERSION=0.17.0
SCHEMATHESIS_VERSION=4.32.5
OCDSKIT_SDIST_VERSION=1.7.0   # source of the release package schema (sdist test fixture)
REGISTRY_SDIST_VERSION=0.7.0  # ocdsextensionregistry: source of the 1.1.5 release schema (sdist test fixture)
PY_DIR="${ZJCS_CACHE:-$HOME/.cache/zjcs}/py"
PINS=("libcoveocds==$LIBCOVEOCDS_VERSION" "schemathesis==$SCHEMATHESIS_VERSION")

# python3 >= 3.10 that can make a venv with pip in it
usable() { "$1" -c 'import sys, ensurepip, venv; sys.exit(sys.version_info < (3, 10))' 2>/dev/null; }

# The python3 on PATH (pyenv here); else Debian's, with python3-venv for ensurepip.
PY=$(command -v python3 || true)
if [[ -z "$PY" ]] || ! usable "$PY"; then
  [[ -x /usr/bin/python3 ]] || apt_install python3
  usable /usr/bin/python3 || apt_install python3-venv
  PY=/usr/bin/python3
  usable "$PY" || { echo "pytools: $PY cannot make a virtualenv (need Python >= 3.10 with ensurepip)" >&2; exit 1; }
fi
WANT="$("$PY" -c 'import sys; print(sys.executable, sys.version.split()[0])') ${PINS[*]} ocdskit-sdist==$OCDSKIT_SDIST_VERSION ocdsextensionregistry-sdist==$REGISTRY_SDIST_VERSION bid-extension==v1.1.3"

if [[ -f "$PY_DIR/.pytools-stamp" && "$(cat "$PY_DIR/.pytools-stamp")" == "$WANT" ]] \
   && "$PY_DIR/bin/python" -c '' 2>/dev/null \
   && [[ -x "$PY_DIR/bin/libcoveocds" && -x "$PY_DIR/bin/schemathesis" && -s "$PY_DIR/ocds-standard-1__1__5.zip" ]]; then
  exit 0
fi

step "Python test tools → $PY_DIR (${PINS[*]}; ~1 min, once)"
rm -rf "$PY_DIR"
"$PY" -m venv "$PY_DIR"
# pip writes only to stderr here: stdout stays clean for callers that capture it
"$PY_DIR/bin/python" -m pip install --quiet --disable-pip-version-check --no-input "${PINS[@]}" >&2
"$PY_DIR/bin/libcoveocds" --help >/dev/null
"$PY_DIR/bin/schemathesis" --version >/dev/null

# The offline stand-in for the standard repository's ZIP, laid out as ocdsextensionregistry
# reads it: a top folder, then schema/*.json and schema/codelists/*.csv.
SDIST_DIR=$(mktemp -d)
trap 'rm -rf "$SDIST_DIR"' EXIT
"$PY_DIR/bin/python" -m pip download --quiet --disable-pip-version-check --no-input --no-deps \
  --no-binary :all: -d "$SDIST_DIR" "ocdskit==$OCDSKIT_SDIST_VERSION" "ocdsextensionregistry==$REGISTRY_SDIST_VERSION" >&2
"$PY_DIR/bin/python" - "$SDIST_DIR/ocdskit-$OCDSKIT_SDIST_VERSION.tar.gz" "$PY_DIR/ocds-standard-1__1__5.zip" \
  "$SDIST_DIR/ocdsextensionregistry-$REGISTRY_SDIST_VERSION.tar.gz" <<'PY'
import csv, io, json, sys, tarfile, zipfile
sdist, out, registry = sys.argv[1], sys.argv[2], sys.argv[3]
def fixture(path, name):
    with tarfile.open(path) as tar:
        top = tar.getnames()[0].split("/")[0]
        return json.load(tar.extractfile(f"{top}/tests/fixtures/{name}"))
package = fixture(sdist, "release-package-schema.json")
release = fixture(registry, "release-schema.json")
base = "https://standard.open-contracting.org/schema/1__1__5/"
if release.get("id") != base + "release-schema.json" or len(release.get("definitions", {})) < 20:
    sys.exit(f"unexpected release schema in {registry}: {release.get('id')}")
# the bid extension v1.1.3's patch, from the profile fixture that merged it (see the header)
BID = "https://raw.githubusercontent.com/open-contracting/ocds_bid_extension/v1.1.3/release-schema.json"
profile = fixture(sdist, "b/release-schema.json")
def strip(node):
    if isinstance(node, dict):
        return {k: strip(v) for k, v in node.items() if k != "extension"}
    if isinstance(node, list):
        return [strip(v) for v in node]
    return node
def from_bid(definition):
    out = {k: strip(v) for k, v in definition.items() if k not in ("properties", "extension")}
    out["properties"] = {k: strip(v) for k, v in definition["properties"].items() if v.get("extension") == BID}
    return out
bids = profile["properties"]["bids"]
if bids.get("extension") != BID:
    sys.exit(f"unexpected bids in {sdist} b/release-schema.json: {bids.get('extension')}")
patch = {k: bids[k] for k in ("title", "description", "$ref")}
definitions = {name: from_bid(profile["definitions"][name]) for name in ("Bids", "Bid", "BidsStatistic")}
shape = {name: sorted(d["properties"]) for name, d in definitions.items()}
if shape != {"Bids": ["details", "statistics"], "Bid": ["date", "documents", "id", "status", "tenderers", "value"],
             "BidsStatistic": ["date", "id", "measure", "notes", "relatedLot", "value"]} \
   or {"valid", "disqualified"} - set(definitions["Bid"]["properties"]["status"]["enum"]):
    sys.exit(f"unexpected bid extension fields in {sdist} b/release-schema.json: {shape}")
if "bids" in release["properties"] or set(definitions) & set(release["definitions"]):
    sys.exit("the standard's release schema already has bids")
release["properties"]["bids"] = patch
release["definitions"].update(definitions)
codelists = {}
def walk(node):
    if isinstance(node, dict):
        enum = node.get("enum") or (node.get("items") or {}).get("enum")
        if "codelist" in node and enum:
            codelists.setdefault(node["codelist"], [code for code in enum if code is not None])
        for value in node.values():
            walk(value)
    elif isinstance(node, list):
        for value in node:
            walk(value)
walk(release)
if not {"currency.csv", "releaseTag.csv", "tenderStatus.csv", "bidStatus.csv"} <= codelists.keys():
    sys.exit(f"unexpected release schema in {sdist}: codelists {sorted(codelists)}")
root = "standard-1__1__5/schema/"
with zipfile.ZipFile(out + ".tmp", "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("standard-1__1__5/", "")  # ocdsextensionregistry takes the first entry as the top folder
    z.writestr(root + "release-schema.json", json.dumps(release, ensure_ascii=False, indent=2))
    z.writestr(root + "release-package-schema.json", json.dumps(package, ensure_ascii=False, indent=2))
    # libcoveocds always loads this one; only record packages refer to it
    z.writestr(root + "versioned-release-validation-schema.json", json.dumps(
        {"id": base + "versioned-release-validation-schema.json", "$schema": "http://json-schema.org/draft-04/schema#"}))
    for name, codes in sorted(codelists.items()):
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(["Code", "Title", "Description"])
        writer.writerows([code, code, ""] for code in codes)
        z.writestr(root + "codelists/" + name, buf.getvalue())
PY
mv "$PY_DIR/ocds-standard-1__1__5.zip.tmp" "$PY_DIR/ocds-standard-1__1__5.zip"
# smoke test: a valid one-release package passes with no error, offline
cat >"$SDIST_DIR/package.json" <<'JSON'
{"uri": "https://example.com/p.json", "version": "1.1", "publishedDate": "2024-01-01T00:00:00Z",
 "publisher": {"name": "zjcs"}, "releases": [{"ocid": "ocds-zjcs01-1", "id": "1", "date": "2024-01-01T00:00:00Z",
 "tag": ["tender"], "initiationType": "tender", "tender": {"id": "1", "status": "active",
 "value": {"amount": 100, "currency": "CNY"}}, "bids": {"details": [{"id": "1-A", "date": "2024-01-01T00:00:00Z",
 "status": "valid", "tenderers": [{"id": "A", "name": "A"}], "value": {"amount": 90, "currency": "CNY"}}]}}]}
JSON
"$PY_DIR/bin/libcoveocds" --standard-zip "$PY_DIR/ocds-standard-1__1__5.zip" "$SDIST_DIR/package.json" \
  | "$PY_DIR/bin/python" -c 'import json, sys; r = json.load(sys.stdin); e = r["validation_errors"] or r["additional_closed_codelist_values"] or r.get("additional_fields"); sys.exit(f"libcoveocds self-check: {e}" if e else 0)'
printf '%s\n' "$WANT" >"$PY_DIR/.pytools-stamp"
note "installed: $("$PY_DIR/bin/python" -m pip list --format=freeze 2>/dev/null | grep -E '^(libcoveocds|schemathesis)==' | xargs)"
