import { test, expect } from '@playwright/test';
import { hydrated, expectAccessible, watchErrors } from './helpers';
import { BASE, advance, userPage } from './trading-helpers';

// Performance scores (绩效评估), public, end to end: the scheduler refreshed the
// stage clocks of the demo market (its overdue stages) before the nightly run
// scored the month; the public reaches the ranking from /stats, picks firms,
// sees them ranked by score with each score's breakdown and the published
// formula; a bad kind is named. Desktop and phone projects both run these.
test.use({ baseURL: BASE });

test('the public finds the monthly ranking from the statistics page, with breakdowns and the formula', async ({ browser }) => {
  const context = await browser.newContext({ baseURL: BASE, locale: 'zh-CN', ...(test.info().project.name.startsWith('phone') ? { viewport: { width: 390, height: 844 } } : {}) });
  const page = await context.newPage();
  // the lights and the month's scores: the test-clock route runs them at once (0 ms moves nothing)
  const operator = await userPage(browser, 'operator');
  await advance(operator, 0);
  const errors = watchErrors(page);
  await page.goto('/stats');
  await hydrated(page);
  await page.getByRole('link', { name: '部门、业主和中介机构的月度绩效评分与排名' }).click();
  await expect(page).toHaveURL(/\/stats\/performance/);
  await hydrated(page);
  await expect(page.getByRole('heading', { name: '绩效评估', level: 1 })).toBeVisible();
  await expect(page.getByRole('heading', { name: '评分办法' })).toBeVisible();

  await page.getByLabel('评估对象').selectOption('firm');
  await page.getByRole('button', { name: '搜索' }).click();
  await expect(page).toHaveURL(/kind=firm/);
  const rows = page.getByTestId('performance-row');
  await expect(rows.first()).toBeVisible();
  const n = await rows.count();
  expect(n).toBeGreaterThan(0);
  expect(n).toBeLessThanOrEqual(20);
  // ranked: 1, 2, 3 … with scores never rising
  const ranks = await rows.locator('td:nth-child(1)').allTextContents();
  expect(ranks.map(Number)).toEqual(ranks.map((_, i) => i + 1));
  const totals = (await rows.locator('td:nth-child(3)').allTextContents()).map(Number);
  for (let i = 1; i < totals.length; i++) expect(totals[i]).toBeLessThanOrEqual(totals[i - 1]);
  for (const t of totals) expect(t).toBeGreaterThanOrEqual(0);
  // the breakdown names the stages and their counts
  await rows.first().getByText(/计入 \d+ 个环节/).click();
  await expect(rows.first()).toContainText(/按时办结 \d+,超时办结 \d+,月末仍超时 \d+|按时办结 \d+，超时办结 \d+，月末仍超时 \d+/);
  await expect(rows.first()).toContainText('被催办');
  if (test.info().project.name.startsWith('phone')) {
    const wide = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth + 1);
    expect(wide).toBe(false);
  }
  await expectAccessible(page);
  expect(errors).toEqual([]);
});

test('a kind that does not exist is named', async ({ page }) => {
  await page.goto('/stats/performance?kind=mayor');
  await expect(page.getByText('评估对象类型无效，请从列表中选择。')).toBeVisible();
});
