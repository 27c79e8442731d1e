#!/usr/bin/env bash
# #8's red flags checked against the Open Contracting Partnership's Cardinal on the same data:
#   scripts/cardinal-check.sh BASE_URL
# 1. signs in to the running server as the demo operator (ZJCS_CARDINAL_USER /
#    ZJCS_CARDINAL_PASSWORD override) and asks it to evaluate every indicator now
#    (POST /api/redflags/evaluate: the nightly run's data set, settings, thresholds and
#    flags, read-only);
# 2. downloads the OCDS compiled releases of the months that data set spans
#    (GET /api/v1/ocds/compiled/{YYYY-MM}, JSON Lines) and keeps the data set's processes;
# 3. runs `ocdscardinal prepare` (quality issues that would distort the indicators fail
#    the check) and `ocdscardinal indicators` with the settings in scripts/cardinal/
#    (checked first against the server's thresholds in force);
# 4. compares, indicator by indicator and subject by subject (procurement = OCID, firm =
#    Tenderer, owner = Buyer and ProcuringEntity), prints a table of agreed / cardinal-only /
#    zjcs-only counts and every difference, and exits non-zero when they disagree on an
#    indicator both compute. A difference is "explained" only by one of the definitional
#    differences written down in DEFINITIONAL below, each with its reason and a test on the
#    data that it is that case.
# Cardinal itself comes from scripts/cardinal.sh (pinned, built once).
source "$(dirname "$0")/lib.sh"
BASE=${1:?usage: scripts/cardinal-check.sh BASE_URL}
CARDINAL=$("$ROOT/scripts/cardinal.sh")
SETTINGS=${ZJCS_CARDINAL_SETTINGS:-$ROOT/scripts/cardinal}   # settings.ini and r028.ini
OUT=$(mktemp -d /tmp/zjcs-cardinal.XXXXXX)
trap 'rm -rf "$OUT"' EXIT
python3 - "$BASE" "$CARDINAL" "$SETTINGS" "$OUT" <<'PY'
import collections, configparser, http.cookiejar, json, os, subprocess, sys, time
import urllib.error, urllib.parse, urllib.request
from datetime import datetime, timedelta, timezone

base, cardinal, settings_dir, out = sys.argv[1].rstrip("/"), sys.argv[2], sys.argv[3], sys.argv[4]
SHANGHAI = timezone(timedelta(hours=8))
DAY_MS = 86_400_000

# ---------------------------------------------------------------------------------------
# How #8's notions appear in the publication (app/src/domain/ocds.rs, method_fields)
# ---------------------------------------------------------------------------------------
METHOD_DETAILS = {  # tender/procurementMethodDetails, up to the first ";"
    "Direct": "直接选取 (Direct selection)",
    "RandomDraw": "Random Selection (随机抽取)",
    "PriceCompetition": "竞价选取 (Price competition, sealed quotes)",
    "Merit": "竞争性评选 (Merit scoring)",
}
OCDS_METHOD = {"Direct": "direct", "RandomDraw": "open", "PriceCompetition": "open", "Merit": "open"}
# #8's R028 leaves out the methods whose price the owner predetermines (domain::redflags::r028_identical_bid_prices)
R028_PREDETERMINED = {"RandomDraw", "Direct"}

# (indicator, Cardinal group) compared; #8's subject for each group
COMPARED = [("R003", "OCID"), ("R018", "OCID"), ("R024", "OCID"), ("R025", "Tenderer"), ("R028", "OCID"), ("R030", "OCID"),
            ("R035", "OCID"), ("R036", "OCID"), ("R038", "Buyer"), ("R038", "ProcuringEntity"), ("R038", "Tenderer"), ("R058", "OCID")]
SUBJECT = {"OCID": "procurement", "Tenderer": "firm", "Buyer": "owner", "ProcuringEntity": "owner"}
ZJCS_ONLY = {"R044": "participants sharing address, phone or key staff (Cardinal 0.0.8 has no R044)",
             "ZJ01": "the supermarket's own: repeated direct selection", "ZJ02": "the supermarket's own: outlier share of one owner's projects"}

# ---------------------------------------------------------------------------------------
# Definitional differences: (indicator, group, side) -> [(reason, test(evidence) -> bool)].
# Only a difference that passes one of its tests is listed as explained (with that
# reason); all others fail the check.
# ---------------------------------------------------------------------------------------
def lowest_tie(r):
    """R036: the lowest disqualified amount equals the lowest valid one."""
    amounts = collections.defaultdict(list)
    for b in (r.get("bids") or {}).get("details", []):
        if b.get("value"):
            amounts[b.get("status")].append(b["value"]["amount"])
    return bool(amounts["disqualified"] and amounts["valid"]) and min(amounts["disqualified"]) == min(amounts["valid"])

DEFINITIONAL = collections.defaultdict(list)
def between_fences(ev):
    """R038 owners: the fences differ (computed over different owners) and this owner's share lies between them."""
    a, b, share = ev["r038_owner_fences"] + (ev["owner_share"],)
    return a is not None and b is not None and abs(a - b) > 1e-4 and share is not None and min(a, b) <= share < max(a, b) + 1e-4
R038_OWNERS = (
    "the owners counted: #8 leaves out owners with fewer than r038_min_procurements procurements (Cardinal's documented "
    "minimum_contracting_processes); Cardinal 0.0.8's code compares that minimum with the owner's number of submitted "
    "bids instead, so it also weighs (and may flag) an owner with one procurement of several bids",
    lambda ev: ev["owner_is_extra"])
R038_FENCE = (
    "the owners counted (as above) make the two R038 owner fences differ, and this owner's share lies between them",
    between_fences)
for group in ("Buyer", "ProcuringEntity"):
    DEFINITIONAL[("R038", group, "cardinal-only")] += [R038_OWNERS, R038_FENCE]
    DEFINITIONAL[("R038", group, "zjcs-only")] += [R038_FENCE]
DEFINITIONAL[("R036", "OCID", "cardinal-only")].append((
        "a disqualified quote tied with the lowest valid quote: #8 does not flag it (the winner still offered the lowest "
        "price); Cardinal flags it when the disqualified bid comes first in bids/details (its r036.rs keeps the first lowest)",
        lambda ev: lowest_tie(ev["release"])))
DEFINITIONAL[("R030", "OCID", "cardinal-only")].append((
        "direct selection: #8 leaves it out of R030 (the owner's choice closes it; nobody bids against a deadline), "
        "Cardinal has no method filter",
        lambda ev: ev["release"]["tender"].get("procurementMethod") == "direct"))
# fence_min_sample (#8's addition, not in Cardinal): with fewer values #8 computes no fence and raises nothing
MIN_SAMPLE = {("R024", "OCID"): "r024_lower", ("R058", "OCID"): "r058_upper", ("R025", "Tenderer"): "r025_lower",
              ("R038", "Buyer"): "r038_owner_upper", ("R038", "ProcuringEntity"): "r038_owner_upper", ("R038", "Tenderer"): "r038_firm_upper"}
for key, field in MIN_SAMPLE.items():
    DEFINITIONAL[key + ("cardinal-only",)].append((
        f"#8 computes a fence only over at least fence_min_sample values (its addition: on a young market two or three "
        f"values make noise); it had too few for {field}", lambda ev, field=field: ev["thresholds"].get(field) is None))

# ---------------------------------------------------------------------------------------
# 1. #8's evaluation
# ---------------------------------------------------------------------------------------
class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None

jar = http.cookiejar.CookieJar()
http_ = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect)

def call(method, path, form=None):
    data = urllib.parse.urlencode(form or {}).encode() if method == "POST" else None
    req = urllib.request.Request(base + path, data=data, method=method, headers={"Accept": "application/json"})
    if data is not None:
        req.add_header("Content-Type", "application/x-www-form-urlencoded")
    try:
        with http_.open(req, timeout=900) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()

def fail(message):
    print(f"    {message}")
    sys.exit(1)

user, password = os.environ.get("ZJCS_CARDINAL_USER", "operator"), os.environ.get("ZJCS_CARDINAL_PASSWORD", "Zjcs-Demo-2026")
status, body = call("POST", "/api/accounts/sign_in", {"username": user, "password": password})
if status not in (200, 302, 303) or not any(c.name == "zjcs_session" for c in jar):
    fail(f"sign-in as {user}: HTTP {status}: {body[:300]!r}")
started = time.time()
status, body = call("POST", "/api/redflags/evaluate")
if status != 200:
    fail(f"POST /api/redflags/evaluate: HTTP {status}: {body[:300]!r}")
zjcs = json.loads(body)
codes = set(zjcs["procurements"])
as_of = datetime.fromtimestamp(zjcs["as_of"] / 1000, SHANGHAI)
print(f"    zjcs: {len(codes)} procurements published in the {zjcs['window_days']} days to {as_of:%Y-%m-%d %H:%M} "
      f"(Asia/Shanghai), {len(zjcs['flags'])} flags, evaluated in {time.time() - started:.1f}s")

# ---------------------------------------------------------------------------------------
# 2. the compiled releases of those months, the data set's processes only
# ---------------------------------------------------------------------------------------
start = datetime.fromtimestamp((zjcs["as_of"] - zjcs["window_days"] * DAY_MS) / 1000, SHANGHAI)
months, (y, m) = [], (start.year, start.month)
while (y, m) <= (as_of.year, as_of.month):
    months.append(f"{y:04d}-{m:02d}")
    y, m = (y + 1, 1) if m == 12 else (y, m + 1)
releases, seen = {}, 0
started = time.time()
for month in months:
    status, body = call("GET", f"/api/v1/ocds/compiled/{month}")
    if status != 200:
        fail(f"GET /api/v1/ocds/compiled/{month}: HTTP {status}: {body[:300]!r}")
    for line in body.decode().splitlines():
        if line.strip():
            r = json.loads(line)
            seen += 1
            if r["tender"]["id"] in codes:
                releases[r["tender"]["id"]] = r
missing = sorted(codes - releases.keys())
if missing:
    fail(f"{len(missing)} procurements of #8's data set are missing from the compiled releases: {missing[:20]}")
print(f"    OCDS: {seen} compiled releases of {months[0]}..{months[-1]} read in {time.time() - started:.1f}s, "
      f"{len(releases)} in the data set")
data = os.path.join(out, "data.jsonl")
with open(data, "w") as f:
    for code in sorted(releases):
        f.write(json.dumps(releases[code], ensure_ascii=False) + "\n")
by_ocid = {r["ocid"]: r for r in releases.values()}
ocid_of = {code: r["ocid"] for code, r in releases.items()}
party_of = {}  # credit code -> OCDS organization id
for r in releases.values():
    for p in r.get("parties", []):
        party_of[p["identifier"]["id"]] = p["id"]

# ---------------------------------------------------------------------------------------
# 3. the settings files must say what the server's thresholds say
# ---------------------------------------------------------------------------------------
def ini(name):
    c = configparser.ConfigParser(interpolation=None, comment_prefixes=(";", "#"), inline_comment_prefixes=None)
    c.optionxform = str
    c.read_string("[top]\n" + open(os.path.join(settings_dir, name), encoding="utf-8").read())
    return c
main, r028 = ini("settings.ini"), ini("r028.ini")
s, mismatches = zjcs["settings"], []
def expect(what, got, want):
    if got != want:
        mismatches.append(f"{what}: settings file {got!r}, server {want!r}")
def methods(value):
    return set(filter(None, (value or "").split("|")))
def opt(section, key, cfg=main, cast=str, default=None):
    return cast(cfg[section][key]) if cfg.has_option(section, key) else default
competitive = set(s["competitive_methods"])
ocds_competitive = {OCDS_METHOD[m] for m in competitive}
if {m for m in OCDS_METHOD if OCDS_METHOD[m] in ocds_competitive} != competitive | ({"Direct"} if "direct" in ocds_competitive else set()):
    mismatches.append(f"competitive_methods {sorted(competitive)} cannot be said with OCDS procurementMethod")
expect("[R003] procurement_methods", methods(opt("R003", "procurement_methods")), ocds_competitive - {"direct"})
expect("[R018] procurement_methods", methods(opt("R018", "procurement_methods")), ocds_competitive)
expect("[R003] threshold", opt("R003", "threshold", cast=int, default=15), s["r003_min_days"])
expect("price_comparison_procurement_methods", methods(opt("top", "price_comparison_procurement_methods")),
       {METHOD_DETAILS[m] for m in s["price_only_methods"]})
expect("r028.ini price_comparison_procurement_methods", methods(opt("top", "price_comparison_procurement_methods", r028)),
       {METHOD_DETAILS[m] for m in METHOD_DETAILS if m not in R028_PREDETERMINED})
expect("[R024] threshold", opt("R024", "threshold", cast=float), s["r024_lower_fence"])
expect("[R058] threshold", opt("R058", "threshold", cast=float), s["r058_upper_fence"])
expect("[R025] percentile", opt("R025", "percentile", cast=int, default=75), s["r025_percentile"])
expect("[R025] threshold", opt("R025", "threshold", cast=float), s["r025_lower_fence"])
expect("[R035] threshold", max(opt("R035", "threshold", cast=int, default=1), 1), max(s["r035_min_disqualified"], 1))
expect("[R038] threshold", opt("R038", "threshold", cast=float), s["r038_upper_fence"])
expect("[R038] minimum_submitted_bids", opt("R038", "minimum_submitted_bids", cast=int, default=2), s["r038_min_submitted_bids"])
expect("[R038] minimum_contracting_processes", opt("R038", "minimum_contracting_processes", cast=int, default=2), s["r038_min_procurements"])
for section in sorted({i for i, _ in COMPARED} - {"R028"}):
    if not main.has_section(section):
        mismatches.append(f"settings.ini: [{section}] missing (the indicator would not run)")
if not r028.has_section("R028"):
    mismatches.append("r028.ini: [R028] missing")
if mismatches:
    print("    the settings in scripts/cardinal/ differ from the server's red-flag settings in force:")
    for line in mismatches:
        print(f"      {line}")
    sys.exit(1)

# ---------------------------------------------------------------------------------------
# 4. Cardinal: prepare, then the indicators
# ---------------------------------------------------------------------------------------
problems = []
prepared, issues = os.path.join(out, "prepared.jsonl"), os.path.join(out, "issues.csv")
p = subprocess.run([cardinal, "prepare", "-s", os.path.join(settings_dir, "settings.ini"), "-o", prepared, "-e", issues, data],
                   capture_output=True, text=True)
if p.returncode != 0:
    fail(f"ocdscardinal prepare failed: {p.stderr[-1000:]}")
issue_lines = [line for line in open(issues, encoding="utf-8").read().splitlines() if line.strip()]
if issue_lines:
    problems.append(f"ocdscardinal prepare found {len(issue_lines)} quality issues in the publication")
    print(f"    ocdscardinal prepare: {len(issue_lines)} quality issues (line, ocid, path, indexes, value, error):")
    for line in issue_lines[:20]:
        print(f"      {line}")

def run(settings):
    started = time.time()
    p = subprocess.run([cardinal, "indicators", "-s", os.path.join(settings_dir, settings), prepared], capture_output=True, text=True)
    if p.returncode != 0:
        fail(f"ocdscardinal indicators -s {settings} failed: {p.stderr[-1000:]}")
    for line in p.stderr.splitlines():
        print(f"    ocdscardinal: {line}")
    print(f"    ocdscardinal indicators -s scripts/cardinal/{settings}: {time.time() - started:.1f}s")
    return json.loads(p.stdout)
results = run("settings.ini")
results_r028 = run("r028.ini")
cardinal_flags = collections.defaultdict(set)
secondary = collections.Counter()
for res, only in ((results, None), (results_r028, "R028")):
    for group, by_id in res.items():
        if group in ("Meta", "Maps"):
            continue
        for ident, indicators in by_id.items():
            for ind in indicators:
                if only and ind != only:
                    continue
                if (ind, group) in COMPARED:
                    cardinal_flags[(ind, group)].add(ident)
                else:
                    secondary[(ind, group)] += 1

zjcs_flags, zjcs_alone = collections.defaultdict(set), collections.Counter()
for f in zjcs["flags"]:
    if f["code"] in ZJCS_ONLY:
        zjcs_alone[f["code"]] += 1
        continue
    if f["subject_kind"] == "procurement":
        keys = [("OCID", ocid_of.get(f["procurement_code"], "?" + str(f["procurement_code"])))]
    elif f["subject_kind"] == "firm":
        keys = [("Tenderer", party_of.get(f["firm_credit_code"], "?" + str(f["firm_credit_code"])))]
    elif f["subject_kind"] == "owner":
        ident = party_of.get(f["owner_credit_code"], "?" + str(f["owner_credit_code"]))
        keys = [("Buyer", ident), ("ProcuringEntity", ident)]
    else:
        keys = [("?", f"{f['owner_credit_code']}/{f['firm_credit_code']}")]
    for group, ident in keys:
        zjcs_flags[(f["code"], group)].add(ident)
unknown = sorted(set(zjcs_flags) - set(COMPARED))
if unknown:
    problems.append(f"#8 flags not comparable with Cardinal: {unknown}")

# evidence for the definitional differences
owner_processes, owner_bids = collections.Counter(), collections.Counter()
for r in releases.values():
    submitted = [b for b in (r.get("bids") or {}).get("details", []) if b.get("status") not in ("invited", "withdrawn")]
    if submitted:
        owner_processes[r["buyer"]["id"]] += 1
        owner_bids[r["buyer"]["id"]] += len(submitted)
owner_disqualified = collections.Counter()
for r in releases.values():
    owner_disqualified[r["buyer"]["id"]] += sum(1 for b in (r.get("bids") or {}).get("details", []) if b.get("status") == "disqualified")
extra_owners = {o for o in owner_processes if owner_processes[o] < s["r038_min_procurements"] and owner_bids[o] >= s["r038_min_procurements"]}
r038_owner_fences = (zjcs["thresholds"].get("r038_owner_upper"), results.get("Meta", {}).get("R038", {}).get("Buyer_upper_fence"))

# ---------------------------------------------------------------------------------------
# 5. the comparison
# ---------------------------------------------------------------------------------------
rows, differences, unexplained = [], [], 0
for ind, group in COMPARED:
    c, z = cardinal_flags[(ind, group)], zjcs_flags[(ind, group)]
    counts = {"agreed": len(c & z), "cardinal-only": 0, "zjcs-only": 0, "explained": 0}
    for side, idents in (("cardinal-only", c - z), ("zjcs-only", z - c)):
        for ident in sorted(idents):
            counts[side] += 1
            evidence = {"release": by_ocid.get(ident, {"tender": {}}), "thresholds": zjcs["thresholds"], "owner_is_extra": ident in extra_owners,
                        "r038_owner_fences": r038_owner_fences,
                        "owner_share": owner_disqualified[ident] / owner_bids[ident] if owner_bids.get(ident) else None}
            reason = next((why for why, applies in DEFINITIONAL.get((ind, group, side), []) if applies(evidence)), None)
            if reason:
                counts["explained"] += 1
            else:
                unexplained += 1
            differences.append((ident, ind, group, side, reason))
    rows.append((ind, f"{group} ({SUBJECT[group]})", counts))

print()
print(f"    {'indicator':<10}{'subject':<30}{'agreed':>8}{'cardinal-only':>15}{'zjcs-only':>11}{'explained':>11}")
for ind, subject, n in rows:
    print(f"    {ind:<10}{subject:<30}{n['agreed']:>8}{n['cardinal-only']:>15}{n['zjcs-only']:>11}{n['explained']:>11}")
total = collections.Counter()
for _, _, n in rows:
    total.update(n)
print(f"    {'all':<10}{'':<30}{total['agreed']:>8}{total['cardinal-only']:>15}{total['zjcs-only']:>11}{total['explained']:>11}")

# the fences both computed, side by side
meta = results.get("Meta", {})
t = zjcs["thresholds"]
pairs = [("R024 lower fence", t.get("r024_lower"), meta.get("R024", {}).get("lower_fence")),
         ("R058 upper fence", t.get("r058_upper"), meta.get("R058", {}).get("upper_fence")),
         ("R025 top-tenderer bids", t.get("r025_top_bids"), meta.get("R025", {}).get("upper_fence")),
         ("R025 lower fence", t.get("r025_lower"), meta.get("R025", {}).get("lower_fence")),
         ("R038 owner upper fence", t.get("r038_owner_upper"), meta.get("R038", {}).get("Buyer_upper_fence")),
         ("R038 firm upper fence", t.get("r038_firm_upper"), meta.get("R038", {}).get("Tenderer_upper_fence"))]
print("    fences (zjcs / Cardinal, Cardinal rounds to 4 decimals): " + "; ".join(
    f"{name} {'-' if a is None else f'{a:.4f}'} / {'-' if b is None else f'{b:.4f}'}" for name, a, b in pairs))
if secondary:
    print("    not compared (Cardinal also names the firms of a flagged procurement; #8 names them in the flag's text): "
          + ", ".join(f"{i} {g} {n}" for (i, g), n in sorted(secondary.items())))
print("    not compared (no Cardinal counterpart): "
      + ", ".join(f"{code} {zjcs_alone[code]} ({why})" for code, why in ZJCS_ONLY.items()) + "; Cardinal's R048 is not run (no counterpart in #8)")

if differences:
    print(f"    differences ({len(differences)}, {unexplained} unexplained):")
    notes = []
    for ident, ind, group, side, reason in differences:
        if reason and reason not in notes:
            notes.append(reason)
        code = by_ocid.get(ident, {}).get("tender", {}).get("id", "")
        print(f"      {ident}{f' ({code})' if code else ''}  {ind} {group}  {side}"
              + (f"  [definitional {notes.index(reason) + 1}]" if reason else "  UNEXPLAINED"))
    for i, reason in enumerate(notes, 1):
        print(f"    definitional {i}: {reason}")
for line in problems:
    print(f"    {line}")
if unexplained or problems:
    print(f"    DISAGREE: {unexplained} unexplained differences" + (f"; {len(problems)} other problems" if problems else ""))
    sys.exit(1)
print("    agree on every indicator both compute" + (f" ({total['explained']} definitional differences listed)" if total["explained"] else ""))
PY
