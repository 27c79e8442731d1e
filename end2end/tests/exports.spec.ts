import { test, expect, Page } from '@playwright/test';
import { readFileSync } from 'fs';
import { watchErrors, hydrated, expectAccessible, num } from './helpers';

// Bulk exports (#9): the links carry the page's filters; the files hold exactly the filtered rows.

async function download(page: Page, testId: string): Promise<Buffer> {
  const [dl] = await Promise.all([page.waitForEvent('download'), page.getByTestId(testId).click()]);
  const path = await dl.path();
  expect(path).toBeTruthy();
  return readFileSync(path!);
}

test('announcements: 导出 CSV with a filter gives a BOM, the Chinese header and only matching rows', async ({ page }) => {
  const errors = watchErrors(page);
  await page.goto('/announcements');
  await hydrated(page);
  await page.getByLabel('状态').selectOption({ label: '已选定' });
  await page.getByRole('button', { name: '搜索' }).click();
  await expect(page).toHaveURL(/status=selected/);
  const csvLink = page.getByTestId('export-csv');
  await expect(csvLink).toHaveAttribute('href', '/exports/announcements.csv?status=selected');
  await expect(page.getByTestId('export-xlsx')).toHaveAttribute('href', '/exports/announcements.xlsx?status=selected');
  const count = num(await page.getByTestId('announcement-count').textContent());
  expect(count).toBeGreaterThan(0);
  const body = await download(page, 'export-csv');
  expect([...body.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
  const lines = body.subarray(3).toString('utf8').split('\r\n').filter((l) => l.length > 0);
  expect(lines[0]).toBe('公告编号,项目名称,中介服务事项,行政区划,选取方式,状态,预算（元）,发布时间,报名截止,报名数,中选机构,中选机构统一社会信用代码,中选金额（元）,中选状态');
  // one line per announcement (no field of the demo market holds a line break)
  expect(lines.length - 1).toBe(count);
  // one assertion for all rows (an expect per row is a reporter step each: tens of thousands)
  expect(lines.slice(1).filter((l) => !l.includes(',已选定,'))).toEqual([]);
  await expectAccessible(page);
  expect(errors).toEqual([]);
});

test('firms: 导出 Excel with a filter gives an xlsx (a ZIP) named in Chinese', async ({ page }) => {
  const errors = watchErrors(page);
  await page.goto('/firms');
  await hydrated(page);
  await page.getByLabel('主要经营地').selectOption({ label: '成都市' });
  await page.getByRole('button', { name: '搜索' }).click();
  await expect(page).toHaveURL(/region=510100/);
  await expect(page.getByTestId('export-xlsx')).toHaveAttribute('href', /^\/exports\/firms\.xlsx\?region=510100/);
  const [dl] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-xlsx').click()]);
  expect(dl.suggestedFilename()).toMatch(/^中介服务机构-\d{4}-\d{2}-\d{2}\.xlsx$/);
  const body = readFileSync((await dl.path())!);
  expect(body.subarray(0, 2).toString('latin1')).toBe('PK');
  const count = num(await page.getByTestId('firm-count').textContent());
  const text = body.toString('utf8');
  expect(text).toContain('机构名称');
  // the header row, then one row per firm
  expect(text).toContain(`<row r="${count + 1}">`);
  expect(text).not.toContain(`<row r="${count + 2}">`);
  await expectAccessible(page);
  expect(errors).toEqual([]);
});

test('@nojs the export links work without JavaScript', async ({ page }) => {
  await page.goto('/firms?sort=name&credit=A');
  await expect(page.getByTestId('export-csv')).toHaveAttribute('href', '/exports/firms.csv?credit=A&sort=name');
  const body = await download(page, 'export-csv');
  expect([...body.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
  expect(body.subarray(3).toString('utf8').split('\r\n')[0]).toContain('机构名称,统一社会信用代码');
});
