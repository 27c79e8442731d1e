// Page speed of a running zjcs server (issue #10), run by scripts/page-speed.sh:
//   1. Lighthouse (mobile, its default form factor and simulated throttling) in
//      Debian Chromium on four routes: home `/`, the announcement list
//      `/announcements`, one firm profile (the first on `/firms`) and the leader's
//      dashboard `/dashboard` (signed in through the real sign-in form; the session
//      cookie goes to Lighthouse as an extra header). Prints per route the
//      performance and accessibility scores, LCP, FCP, TBT, CLS and the total bytes
//      transferred.
//   2. The assets each route loads: the same-origin files its HTML references
//      (the pkg .js / .wasm / .css, preloads) plus those the browser fetched while
//      Lighthouse ran (ECharts and the map on chart pages), each raw, gzip -9 and
//      brotli q11 (node's zlib, no CLI needed), and as the server sent it
//      (Accept-Encoding: br, gzip); then the WASM, JS and CSS totals per route.
// Figures, not assertions.
//   node scripts/page-speed.mjs --base http://127.0.0.1:PORT [--runs 1] [--out DIR]
//       [--user leader] [--password Zjcs-Demo-2026]   (CHROME_PATH: the browser)
// With --runs N each route is measured N times and the run with the median
// performance score is printed (Lighthouse's own advice for noisy machines).
import fs from 'node:fs';
import path from 'node:path';
import http from 'node:http';
import zlib from 'node:zlib';
import lighthouse from 'lighthouse';
import * as chromeLauncher from 'chrome-launcher';

const args = Object.fromEntries(
  process.argv.slice(2).reduce((pairs, a, i, all) => (a.startsWith('--') ? [...pairs, [a.slice(2), all[i + 1]]] : pairs), []),
);
const BASE = (args.base || 'http://127.0.0.1:3000').replace(/\/$/, '');
const RUNS = Math.max(1, Math.min(9, Number(args.runs || 1)));
const OUT = args.out || 'target/page-speed';
const USER = args.user || 'leader';
const PASSWORD = args.password || process.env.ZJCS_BENCH_PASSWORD || 'Zjcs-Demo-2026';
const CHROME_FLAGS = [
  '--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-quic',
  '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run',
];
const TIMEOUT_MS = 30_000; // every plain request

fs.mkdirSync(OUT, { recursive: true });
let chrome = null; // the one browser running at any time, killed on every exit path
async function killChrome() {
  const c = chrome;
  chrome = null;
  try { if (c) await c.kill(); } catch { /* already gone */ }
}
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => killChrome().finally(() => process.exit(130)));

// A plain request on loopback: status, headers, the body as sent (no decompression).
function request(url, { method = 'GET', headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers, timeout: TIMEOUT_MS }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`timeout: ${url}`)));
    req.on('error', reject);
    if (body) req.write(body);
    req.end();
  });
}

const decode = (s) => s.replace(/&amp;/g, '&').replace(/&quot;/g, '"').replace(/&#39;/g, "'");

// Signs in through the sign-in page's own form (no JavaScript: the form posts to
// the sign-in server function, which answers with the session cookie).
async function signIn() {
  const page = await request(`${BASE}/sign-in`);
  const html = page.body.toString('utf8');
  const form = [...html.matchAll(/<form\b[^>]*>[\s\S]*?<\/form>/g)].map((m) => m[0]).find((f) => /action="[^"]*sign_in/.test(f));
  if (!form) throw new Error('no sign-in form on /sign-in');
  const action = decode(form.match(/action="([^"]*)"/)[1]);
  const fields = new URLSearchParams();
  for (const [input] of form.matchAll(/<input\b[^>]*>/g)) {
    const name = input.match(/\bname="([^"]*)"/)?.[1];
    if (!name) continue;
    const value = decode(input.match(/\bvalue="([^"]*)"/)?.[1] ?? '');
    fields.set(name, name === 'username' ? USER : name === 'password' ? PASSWORD : value);
  }
  const res = await request(new URL(action, BASE).href, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: fields.toString(),
  });
  const cookie = (res.headers['set-cookie'] || []).map((c) => c.split(';')[0]).find((c) => /^zjcs_session=./.test(c));
  if (!cookie) throw new Error(`sign-in of ${USER} refused: HTTP ${res.status} ${res.body.toString('utf8').slice(0, 200)}`);
  return cookie;
}

// The first firm profile linked from the firm directory.
async function firstFirm() {
  const html = (await request(`${BASE}/firms`)).body.toString('utf8');
  const href = html.match(/href="(\/firms\/[^"?#]+)"/)?.[1];
  if (!href) throw new Error('no firm profile linked from /firms');
  return decode(href);
}

// One Lighthouse run in a fresh browser; returns the result (and writes the reports).
async function audit(name, url, headers, run) {
  chrome = await chromeLauncher.launch({ chromePath: process.env.CHROME_PATH || '/usr/bin/chromium', chromeFlags: CHROME_FLAGS });
  try {
    const result = await lighthouse(url, {
      port: chrome.port,
      output: ['json', 'html'],
      logLevel: 'error',
      onlyCategories: ['performance', 'accessibility'],
      extraHeaders: headers,
    });
    const [json, htmlReport] = result.report;
    fs.writeFileSync(path.join(OUT, `${name}-${run}.report.json`), json);
    fs.writeFileSync(path.join(OUT, `${name}-${run}.report.html`), htmlReport);
    return result.lhr;
  } finally {
    await killChrome();
  }
}

// The same-origin asset paths an HTML page references (attributes and quoted
// /pkg/… paths in inline scripts such as Leptos's hydration script).
function htmlAssets(html) {
  const found = new Set();
  for (const [tag] of html.matchAll(/<(?:script|link|img|source)\b[^>]*>/g)) {
    const url = tag.match(/\b(?:src|href)="([^"]+)"/)?.[1];
    if (!url || (/^<link/.test(tag) && !/\brel="(?:stylesheet|preload|modulepreload|icon)"/.test(tag))) continue;
    found.add(decode(url));
  }
  for (const m of html.matchAll(/['"`](\/pkg\/[^'"`\s]+)['"`]/g)) found.add(m[1]);
  return [...found].filter((u) => u.startsWith('/') && !u.startsWith('//'));
}

const kind = (p) => {
  const ext = p.split('?')[0].split('.').pop().toLowerCase();
  return { wasm: 'wasm', js: 'js', mjs: 'js', css: 'css', json: 'json', svg: 'image', png: 'image', woff2: 'font' }[ext] || ext;
};

const sizeCache = new Map();
// raw, gzip -9, brotli q11, and what the server sends to a browser.
async function sizes(p, headers) {
  if (sizeCache.has(p)) return sizeCache.get(p);
  const plain = await request(BASE + p, { headers });
  if (plain.status !== 200) return null;
  const served = await request(BASE + p, { headers: { ...headers, 'accept-encoding': 'br, gzip' } });
  const raw = plain.body;
  const s = {
    raw: raw.length,
    gzip: zlib.gzipSync(raw, { level: 9 }).length,
    brotli: zlib.brotliCompressSync(raw, {
      params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: raw.length },
    }).length,
    served: served.body.length,
    encoding: served.headers['content-encoding'] || 'identity',
  };
  sizeCache.set(p, s);
  return s;
}

const kb = (n) => (n / 1024).toFixed(1);
const pad = (s, n) => String(s).padEnd(n);
const lpad = (s, n) => String(s).padStart(n);
const median = (runs) => [...runs].sort((a, b) => (a.categories.performance.score ?? 0) - (b.categories.performance.score ?? 0))[(runs.length - 1) >> 1];

async function main() {
  const cookie = await signIn();
  console.log(`    signed in as ${USER} through the sign-in form (session cookie for the dashboard)`);
  const firm = await firstFirm();
  const routes = [
    { name: 'home', path: '/', headers: {} },
    { name: 'announcements', path: '/announcements', headers: {} },
    { name: 'firm-profile', path: firm, headers: {} },
    { name: 'dashboard', path: '/dashboard', headers: { Cookie: cookie } },
  ];
  // the dashboard must really be the leader's, not a sign-in prompt
  const dash = await request(`${BASE}/dashboard`, { headers: { Cookie: cookie } });
  const dashHtml = dash.body.toString('utf8');
  if (dash.status !== 200 || dashHtml.includes('/sign-in?next=')) {
    throw new Error(`/dashboard with the session cookie: HTTP ${dash.status}, ${dashHtml.includes('/sign-in?next=') ? 'a sign-in prompt' : 'no page'}`);
  }

  console.log(`\n    Lighthouse ${JSON.parse(fs.readFileSync('node_modules/lighthouse/package.json', 'utf8')).version}, mobile (simulated throttling), ${RUNS} run(s) per route${RUNS > 1 ? ', median by performance score' : ''}; reports in ${OUT}/`);
  console.log(`    ${pad('route', 34)} ${lpad('perf', 5)} ${lpad('a11y', 5)} ${lpad('LCP', 8)} ${lpad('FCP', 8)} ${lpad('TBT', 7)} ${lpad('CLS', 6)} ${lpad('transferred', 12)}`);
  const seen = new Map(); // route → same-origin paths the browser fetched
  for (const r of routes) {
    const runs = [];
    for (let i = 1; i <= RUNS; i++) runs.push(await audit(r.name, BASE + r.path, r.headers, i));
    const lhr = median(runs);
    const a = lhr.audits;
    const score = (c) => (lhr.categories[c]?.score == null ? 'n/a' : Math.round(lhr.categories[c].score * 100));
    const ms = (id) => (a[id]?.numericValue == null ? 'n/a' : `${Math.round(a[id].numericValue)} ms`);
    const final = lhr.finalDisplayedUrl || lhr.finalUrl;
    console.log(
      `    ${pad(r.path.length > 32 ? r.path.slice(0, 31) + '…' : r.path, 34)} ${lpad(score('performance'), 5)} ${lpad(score('accessibility'), 5)} ${lpad(ms('largest-contentful-paint'), 8)} ${lpad(ms('first-contentful-paint'), 8)} ${lpad(ms('total-blocking-time'), 7)} ${lpad(a['cumulative-layout-shift']?.numericValue?.toFixed(3) ?? 'n/a', 6)} ${lpad(kb(a['total-byte-weight']?.numericValue ?? 0) + ' KB', 12)}`,
    );
    if (final && new URL(final).pathname !== new URL(BASE + r.path).pathname) console.log(`      (ended on ${final})`);
    if (lhr.runtimeError) console.log(`      runtime error: ${lhr.runtimeError.code} ${lhr.runtimeError.message}`);
    for (const w of lhr.runWarnings || []) console.log(`      warning: ${String(w).slice(0, 200)}`);
    const fetched = (a['network-requests']?.details?.items || [])
      .map((it) => it.url)
      .filter((u) => u.startsWith(BASE + '/'))
      .map((u) => u.slice(BASE.length));
    seen.set(r.path, fetched);
  }

  console.log('\n    assets per route (same origin; KB = 1024 bytes; "served": what the server sends for Accept-Encoding: br, gzip)');
  console.log(`    ${pad('route / asset', 44)} ${lpad('raw', 9)} ${lpad('gzip -9', 9)} ${lpad('brotli', 9)} ${lpad('served', 14)}`);
  const totals = [];
  for (const r of routes) {
    const html = (await request(BASE + r.path, { headers: r.headers })).body.toString('utf8');
    const fromHtml = htmlAssets(html).map((p) => p.split('#')[0]);
    const dynamic = (seen.get(r.path) || []).filter((p) => p !== r.path && !fromHtml.includes(p) && /\.(wasm|m?js|css|json)(\?|$)/.test(p));
    const assets = [...new Set([...fromHtml, ...dynamic])].filter((p) => !p.startsWith('/api/'));
    console.log(`    ${r.path}`);
    const sum = { wasm: [0, 0, 0], js: [0, 0, 0], css: [0, 0, 0], other: [0, 0, 0] };
    for (const p of assets) {
      const s = await sizes(p, r.headers);
      if (!s) continue;
      const k = kind(p);
      const bucket = sum[k] || sum.other;
      bucket[0] += s.raw; bucket[1] += s.gzip; bucket[2] += s.brotli;
      const how = dynamic.includes(p) ? ' (loaded by script)' : '';
      console.log(`      ${pad(p.length > 40 ? p.slice(0, 39) + '…' : p, 42)} ${lpad(kb(s.raw), 9)} ${lpad(kb(s.gzip), 9)} ${lpad(kb(s.brotli), 9)} ${lpad(`${kb(s.served)} ${s.encoding === 'identity' ? 'raw' : s.encoding}`, 14)}${how}`);
    }
    totals.push([r.path, sum]);
  }
  console.log('\n    per route totals, KB: gzip -9 / brotli q11 (raw)');
  console.log(`    ${pad('route', 34)} ${lpad('WASM', 22)} ${lpad('JS', 22)} ${lpad('CSS', 18)} ${lpad('other', 22)}`);
  const cell = ([raw, gz, br]) => `${kb(gz)} / ${kb(br)} (${kb(raw)})`;
  for (const [p, s] of totals) {
    console.log(`    ${pad(p.length > 32 ? p.slice(0, 31) + '…' : p, 34)} ${lpad(cell(s.wasm), 22)} ${lpad(cell(s.js), 22)} ${lpad(cell(s.css), 18)} ${lpad(cell(s.other), 22)}`);
  }
}

main().catch(async (e) => {
  await killChrome();
  console.error(`page-speed: ${e.stack || e}`);
  process.exit(1);
});
