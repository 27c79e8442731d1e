// Regenerates data/reference/calendar-cn.csv, the official public holidays and
// make-up working days (调休) of the State Council's schedules, from the npm
// package `chinese-days` (pinned in package.json). Run: node scripts/gen-calendar.mjs
// [FIRST_YEAR LAST_YEAR] (default 2025 2026; after npm ci). The file is the
// calendar CSV format operators import (date,kind,name; kind holiday | workday).
import { readFileSync, writeFileSync } from 'node:fs';
const [first, last] = [Number(process.argv[2] || 2025), Number(process.argv[3] || 2026)];
const data = JSON.parse(readFileSync('node_modules/chinese-days/dist/chinese-days.json', 'utf8'));
const rows = [];
for (const [kind, days] of [['holiday', data.holidays], ['workday', data.workdays]]) {
  for (const [date, label] of Object.entries(days)) {
    const year = Number(date.slice(0, 4));
    if (year < first || year > last) continue;
    const name = label.split(',')[1] || label; // "Spring Festival,春节,4" → 春节
    rows.push([date, kind, name]);
  }
}
rows.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
writeFileSync('data/reference/calendar-cn.csv', ['date,kind,name', ...rows.map((r) => r.join(','))].join('\n') + '\n');
console.log(`calendar-cn.csv: ${rows.length} days of ${first}–${last} (${rows.filter((r) => r[1] === 'workday').length} make-up working days)`);
