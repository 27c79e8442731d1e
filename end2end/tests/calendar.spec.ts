import { test, expect, Page } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { watchErrors, hydrated, expectAccessible } from './helpers';

// The working-day calendar (工作日历): the operator imports a new version; a
// refused line is named and nothing changes. The calendar is global, so the
// version imported here is the official one plus a far-away 2030 holiday: no
// other spec's deadline moves.
const PATH = '/operator/calendar';
const OFFICIAL = readFileSync(join(__dirname, '../../data/reference/calendar-cn.csv'), 'utf8');

async function signIn(page: Page) {
  await page.goto(`/sign-in?next=${encodeURIComponent(PATH)}`);
  await hydrated(page);
  await page.getByLabel('用户名').fill('operator');
  await page.getByLabel('密码').fill('Zjcs-Demo-2026');
  await page.getByRole('button', { name: '登录', exact: true }).click();
  await expect(page).toHaveURL(/\/operator\/calendar$/);
  await hydrated(page);
}

test('the operator imports a calendar version; a bad line is named and changes nothing', async ({ page }, info) => {
  const errors = watchErrors(page);
  await signIn(page);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('工作日历');
  await expect(page.locator(`header a[href="${PATH}"]`)).toHaveCount(1);
  const versions = page.getByTestId('calendar-versions').locator('tbody tr');
  // the official schedules (2025–2026) are the first version
  await expect(page.getByTestId('calendar-versions')).toContainText('2025-01-01 – 2026-10-10');
  const before = await versions.count();

  // a make-up working day on a Monday: line 3, column kind
  const note = `2030 年安排 ${info.project.name}`;
  await page.getByLabel('版本说明').fill(note);
  await page.getByLabel('日历 CSV').fill('date,kind,name\n2030-10-01,holiday,国庆节\n2030-10-07,workday,国庆节\n');
  await page.getByRole('button', { name: '导入并施行' }).click();
  await expect(page.getByRole('alert')).toContainText('第 3 行 kind 列');
  await expect(page.getByRole('alert')).toContainText('调休上班日须为周六或周日');
  await expect(versions).toHaveCount(before);
  // the text stays for correcting
  await expect(page.getByLabel('日历 CSV')).toHaveValue(/2030-10-07,workday/);

  await page.getByLabel('日历 CSV').fill(OFFICIAL + '2030-10-01,holiday,国庆节\n');
  await page.getByRole('button', { name: '导入并施行' }).click();
  await expect(page.getByTestId('calendar-imported')).toContainText(`已导入 ${OFFICIAL.trim().split('\n').length} 个日期`);
  await expect(versions).toHaveCount(before + 1);
  await expect(versions.first()).toContainText(note);
  await expect(versions.first()).toContainText('现行');
  await expect(versions.first()).toContainText('2025-01-01 – 2030-10-01');
  await expectAccessible(page);
  expect(errors).toEqual([]);
});
