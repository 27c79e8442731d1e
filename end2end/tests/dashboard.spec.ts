import { test, expect, Page } from '@playwright/test';
import { inflateRawSync } from 'node:zlib';
import { expectAccessible, hydrated, watchErrors } from './helpers';

// The statistics dashboard (统计分析): a leader drills from the province to a
// city and a county, filters an industry, and exports XLSX holding the same
// numbers as the page; a city leader cannot see another city. Desktop and phone.
const PASSWORD = 'Zjcs-Demo-2026';

async function signIn(page: Page, username: string) {
  await page.goto('/sign-in');
  await hydrated(page);
  await page.getByLabel('用户名').fill(username);
  await page.getByLabel('密码').fill(PASSWORD);
  await page.getByRole('button', { name: '登录', exact: true }).click();
}

/** The sheets of an .xlsx file: name → rows of cell texts (a ZIP of OOXML parts). */
function readXlsx(buf: Buffer): Record<string, string[][]> {
  const parts: Record<string, string> = {};
  let at = 0;
  while (at + 30 <= buf.length && buf.readUInt32LE(at) === 0x04034b50) {
    const method = buf.readUInt16LE(at + 8);
    const size = buf.readUInt32LE(at + 18);
    const nameLen = buf.readUInt16LE(at + 26);
    const extraLen = buf.readUInt16LE(at + 28);
    const name = buf.toString('utf8', at + 30, at + 30 + nameLen);
    const start = at + 30 + nameLen + extraLen;
    const raw = buf.subarray(start, start + size);
    parts[name] = (method === 8 ? inflateRawSync(raw) : raw).toString('utf8');
    at = start + size;
  }
  expect(parts['[Content_Types].xml'], 'an OOXML package').toBeTruthy();
  const unescape = (s: string) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');
  const sheets: Record<string, string[][]> = {};
  const names = [...parts['xl/workbook.xml'].matchAll(/<sheet name="([^"]*)" sheetId="(\d+)"/g)];
  for (const [, name, id] of names) {
    const xml = parts[`xl/worksheets/sheet${id}.xml`];
    sheets[unescape(name)] = [...xml.matchAll(/<row[^>]*>(.*?)<\/row>/g)].map(([, row]) =>
      [...row.matchAll(/<c [^>]*?(?:\/>|>(.*?)<\/c>)/g)].map(([, inner]) => unescape((inner ?? '').replace(/<[^>]+>/g, ''))));
  }
  return sheets;
}

test('a leader drills from the province to a city and a county, filters an industry, and exports the same numbers to XLSX', async ({ page, isMobile }) => {
  const errors = watchErrors(page);
  await signIn(page, 'leader');
  // leaders land on the dashboard
  await expect(page).toHaveURL(/\/dashboard$/);
  await hydrated(page);
  await expect(page.getByTestId('kpis')).toBeVisible();
  await expect(page.locator('.dashboard-path')).toHaveText('四川省');
  // charts are drawn by the self-hosted ECharts, the province map among them
  await expect(page.locator('[data-testid="chart-map"] .chart canvas')).toHaveCount(1, { timeout: 20_000 });
  await expect(page.locator('[data-testid="chart-trend"] .chart canvas')).toHaveCount(1);
  await expectAccessible(page);
  const published = Number(await page.locator('[data-kpi="published"] strong').innerText());
  expect(published).toBeGreaterThan(0);
  const cities = page.getByTestId('region-table').locator('tbody tr');
  await expect(cities.first()).toBeVisible();
  const sum = (await page.getByTestId('region-table').locator('tbody tr td:nth-of-type(1)').allInnerTexts()).reduce((a, b) => a + Number(b), 0);
  expect(sum, 'the cities add up to the province').toBe(published);

  // drill into the first city, then its first county
  const city = cities.first().getByRole('link');
  const cityName = await city.innerText();
  const cityCount = await cities.first().locator('td').first().innerText();
  await city.click();
  await expect(page).toHaveURL(/region=51\d{2}00/);
  await hydrated(page);
  await expect(page.locator('.dashboard-path')).toHaveText(`四川省 › ${cityName}`);
  await expect(page.locator('[data-kpi="published"] strong')).toHaveText(cityCount);
  await expect(page.getByTestId('chart-map')).toHaveCount(0);
  const county = page.getByTestId('region-table').locator('tbody tr').first().getByRole('link');
  const countyName = await county.innerText();
  await county.click();
  await hydrated(page);
  await expect(page.locator('.dashboard-path')).toContainText(countyName.replace(/(市本级)$/, ''));
  await expect(page.locator('.dashboard-path a')).toHaveCount(2);
  // back to the province by the path, then filter an industry (kept in the URL)
  await page.locator('.dashboard-path a').first().click();
  await hydrated(page);
  // wait for the province view to replace the county's before opening the drawer
  await expect(page.locator('.dashboard-path')).toHaveText('四川省');
  await expect(page.getByTestId('region-table')).toBeVisible();
  // the filters are a closed drawer on a phone, open on a desktop
  const drawer = page.locator('.filter-drawer');
  if (isMobile) {
    await expect(page.getByTestId('dashboard-filters')).toBeHidden();
    await drawer.locator('> summary').click();
  } else {
    await expect(drawer).toHaveAttribute('open', '');
  }
  await expect(page.getByTestId('dashboard-filters')).toBeVisible();
  const filters = page.getByTestId('dashboard-filters');
  await filters.getByLabel('行业', { exact: true }).selectOption('ZJ');
  await filters.getByRole('button', { name: '查询' }).click();
  await expect(page).toHaveURL(/industry=ZJ/);
  await hydrated(page);
  await expect(page.getByTestId('industry-table').locator('tbody tr')).toHaveCount(1);
  const zj = Number(await page.locator('[data-kpi="published"] strong').innerText());
  expect(zj).toBeGreaterThan(0);
  expect(zj).toBeLessThan(published);
  const pageRegions = await page.getByTestId('region-table').locator('tbody tr').evaluateAll((rows) =>
    rows.map((r) => [r.querySelector('th')!.textContent!.trim(), r.querySelector('td')!.textContent!.trim()]));

  // the XLSX export holds the same numbers
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-xlsx').click()]);
  expect(download.suggestedFilename()).toMatch(/\.xlsx$/);
  const path = await download.path();
  const sheets = readXlsx(require('node:fs').readFileSync(path));
  const regions = sheets['地区'];
  expect(regions, `sheets: ${Object.keys(sheets).join(',')}`).toBeTruthy();
  const header = regions[0];
  const nameAt = header.indexOf('地区');
  const publishedAt = header.findIndex((h) => h.includes('发布'));
  expect(publishedAt).toBeGreaterThan(0);
  const fileRegions = regions.slice(1).map((r) => [r[nameAt], r[publishedAt]]);
  expect(fileRegions).toEqual(pageRegions);
  expect(errors).toEqual([]);
});

test('a city leader sees its city only', async ({ page }) => {
  await signIn(page, 'leader.cd');
  await expect(page).toHaveURL(/\/dashboard$/);
  await hydrated(page);
  await expect(page.locator('.dashboard-path')).toHaveText('成都市');
  // another city: refused, named next to the filters
  await page.goto('/dashboard?region=510300');
  await hydrated(page);
  await expect(page.getByText('该地区不存在或不在您的查看范围内。')).toBeVisible();
  await expect(page.getByTestId('kpis')).toHaveCount(0);
  // and the export says no too
  const r = await page.request.get('/dashboard/export.xlsx?region=510300');
  expect(r.status()).toBe(400);
  // the public cannot export at all
  const anon = await page.context().browser()!.newContext();
  const a = await anon.request.get(new URL('/dashboard/export.csv', page.url()).toString());
  expect(a.status()).toBe(404);
});
