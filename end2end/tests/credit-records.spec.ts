import { test, expect, Page } from '@playwright/test';
import { readFileSync } from 'fs';
import { watchErrors, hydrated, expectAccessible, num } from './helpers';

// The public list of credit records (信用记录公示, /credit-records): every firm's
// rewards, penalties and red/black list entries, filters in the URL, exports
// with the same filters. Runs on the demo market (it has records of every kind).

async function download(page: Page, testId: string): Promise<{ name: string; body: Buffer }> {
  const [dl] = await Promise.all([page.waitForEvent('download'), page.getByTestId(testId).click()]);
  const path = await dl.path();
  expect(path).toBeTruthy();
  return { name: dl.suggestedFilename(), body: readFileSync(path!) };
}

function csvRows(body: Buffer): string[] {
  expect([...body.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
  return body.subarray(3).toString('utf8').split('\r\n').filter((l) => l.length > 0);
}

const HEADER = '日期,机构名称,统一社会信用代码,所在地区,类别,事项或事由,分值,决定文号,有效期至,状态';

test('filter by kind, page through, and download the CSV of exactly the counted rows', async ({ page }) => {
  const errors = watchErrors(page);
  await page.goto('/credit');
  await hydrated(page);
  await page.getByTestId('credit-records-link').click();
  await expect(page).toHaveURL(/\/credit-records$/);
  await expect(page.getByRole('heading', { level: 1, name: '信用记录公示' })).toBeVisible();
  const all = num(await page.getByTestId('credit-record-count').textContent());
  expect(all).toBeGreaterThan(20);

  await page.getByLabel('类别').selectOption({ label: '惩戒' });
  await page.getByRole('button', { name: '搜索' }).click();
  await expect(page).toHaveURL(/kind=penalty/);
  const count = num(await page.getByTestId('credit-record-count').textContent());
  expect(count).toBeGreaterThan(20);
  expect(count).toBeLessThan(all);
  // only that kind (one assertion for the whole page)
  const kinds = await page.getByTestId('credit-record-kind').allTextContents();
  expect(kinds.length).toBe(20);
  expect(kinds.filter((k) => k.trim() !== '惩戒')).toEqual([]);
  const firstPage = await page.locator('.credit-record-row td:first-child').allTextContents();
  expect([...firstPage].sort().reverse()).toEqual(firstPage);

  // page 2: still only penalties, older than page 1
  await page.getByRole('navigation', { name: '分页' }).getByRole('link', { name: '下一页' }).click();
  await expect(page).toHaveURL(/kind=penalty.*page=2/);
  await expect(page.getByRole('navigation', { name: '分页' }).locator('[aria-current="page"]')).toHaveText('2');
  const kinds2 = await page.getByTestId('credit-record-kind').allTextContents();
  expect(kinds2.length).toBeGreaterThan(0);
  expect(kinds2.filter((k) => k.trim() !== '惩戒')).toEqual([]);
  const secondPage = await page.locator('.credit-record-row td:first-child').allTextContents();
  expect(secondPage[0] <= firstPage[firstPage.length - 1]).toBe(true);

  // the export links carry the filters, not the page
  await expect(page.getByTestId('export-csv')).toHaveAttribute('href', '/exports/credit-records.csv?kind=penalty');
  await expect(page.getByTestId('export-xlsx')).toHaveAttribute('href', '/exports/credit-records.xlsx?kind=penalty');
  const { name, body } = await download(page, 'export-csv');
  expect(name).toMatch(/^信用记录-\d{4}-\d{2}-\d{2}\.csv$/);
  const lines = csvRows(body);
  expect(lines[0]).toBe(HEADER);
  expect(lines.length - 1).toBe(count);
  expect(lines.slice(1).filter((l) => !l.includes(',惩戒,'))).toEqual([]);
  await expectAccessible(page);
  expect(errors).toEqual([]);
});

test('red list rows link to the firm archive; a bad filter is refused in Chinese', async ({ page }) => {
  const errors = watchErrors(page);
  await page.goto('/credit-records?kind=red');
  await hydrated(page);
  const row = page.locator('.credit-record-row').first();
  await expect(row.getByTestId('credit-record-kind')).toHaveText('红名单');
  // the phone layout labels every cell
  await expect(row.locator('td[data-label="状态"]')).toBeVisible();
  const firm = row.locator('td[data-label="中介机构"] a');
  const href = await firm.getAttribute('href');
  expect(href).toMatch(/^\/credit\/[0-9A-Z]{18}$/);
  await firm.click();
  await expect(page).toHaveURL(href!);
  await expect(page.getByRole('heading', { level: 1 })).toContainText('信用档案');

  await page.goto('/credit-records?kind=gold');
  await expect(page.getByText('类别应为奖励、惩戒、红名单或黑名单。')).toBeVisible();
  await page.goto('/credit-records?from=2026-05-01&to=2026-04-01');
  await expect(page.getByText('截止日期不能早于起始日期。')).toBeVisible();
  await page.goto('/credit-records?q=没有这家机构的名字');
  await expect(page.getByText('没有符合条件的信用记录。')).toBeVisible();
  await expect(page.getByTestId('credit-record-count')).toHaveText('共 0 条');
  // errors the page reports on purpose (400 of the server function) are not JavaScript errors
  expect(errors.filter((e) => !e.includes('400'))).toEqual([]);
});

test('@nojs the filter form and the export link work without JavaScript', async ({ page }) => {
  await page.goto('/credit-records');
  await page.getByLabel('类别').selectOption({ label: '黑名单' });
  await page.getByRole('button', { name: '搜索' }).click();
  await expect(page).toHaveURL(/kind=black/);
  const count = num(await page.getByTestId('credit-record-count').textContent());
  expect(count).toBeGreaterThan(0);
  const kinds = await page.getByTestId('credit-record-kind').allTextContents();
  expect(kinds.filter((k) => k.trim() !== '黑名单')).toEqual([]);
  // no demo firm is blacklisted today: every entry has expired or was revoked
  const states = await page.locator('.credit-record-row td[data-label="状态"]').allTextContents();
  expect(states.filter((s) => s.trim() === '有效')).toEqual([]);
  await expect(page.getByTestId('export-csv')).toHaveAttribute('href', '/exports/credit-records.csv?kind=black');
  const { body } = await download(page, 'export-csv');
  const lines = csvRows(body);
  expect(lines[0]).toBe(HEADER);
  expect(lines.length - 1).toBe(count);
});
