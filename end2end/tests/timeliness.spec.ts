import { test, expect } from '@playwright/test';
import { hydrated, expectAccessible, watchErrors, num } from './helpers';
import { BASE, advance, userPage, creditCode } from './trading-helpers';

// Time-limit performance by department (时限履行情况), public, end to end: a
// complaint is filed and accepted by the regulator, so its acceptance stage
// closes on time once the stage clocks are refreshed (the test-clock route
// refreshes them at once); the public reaches the page from /stats, sees the
// departments with closed stages in the table and the chart, each with its
// per-stage breakdown; a city narrows the view; a bad month is named in
// Chinese. Desktop and phone projects run these; the GET filter also runs
// without JavaScript.
test.use({ baseURL: BASE });
test.describe.configure({ mode: 'serial' });

async function visitorPage(browser: import('@playwright/test').Browser) {
  const project = test.info().project.use as any;
  const ctx = await browser.newContext({
    baseURL: BASE, locale: 'zh-CN', viewport: project.viewport, isMobile: project.isMobile, hasTouch: project.hasTouch,
    javaScriptEnabled: project.javaScriptEnabled ?? true,
  });
  return ctx.newPage();
}

test('the public finds time-limit performance per department from the statistics page, with chart, breakdown and filter', async ({ browser }) => {
  // a stage closed on time: a complaint accepted by the regulator
  const firmAccount = await userPage(browser, 'firm.c');
  const credit = await creditCode(firmAccount);
  const regulator = await userPage(browser, 'regulator');
  const operator = await userPage(browser, 'operator');
  const visitor = await visitorPage(browser);
  const errors = watchErrors(visitor);
  const stamp = Date.now().toString().slice(-8);
  const subject = `时限统计 ${stamp}`;
  await visitor.goto('/complaints/new');
  await hydrated(visitor);
  const form = visitor.getByTestId('complaint-form');
  await form.getByLabel('投诉对象类型').selectOption('firm');
  await form.getByLabel('投诉对象', { exact: true }).fill(credit);
  await form.getByLabel('主管行业').selectOption('ZJ');
  await form.getByLabel('投诉事项').fill(subject);
  await form.getByLabel('事实与理由').fill('该机构逾期未提交成果，多次催促仍无回复。');
  await form.getByLabel('投诉人姓名').fill('赵先生');
  await form.getByLabel('联系电话').fill('1370000' + stamp.slice(-4));
  await form.getByRole('button', { name: '提交投诉' }).click();
  await expect(visitor.getByTestId('complaint-filed')).toContainText('投诉已提交');
  const id = new URL(visitor.url()).searchParams.get('filed');
  await advance(operator, 0); // the acceptance stage's clock starts
  await regulator.goto(`/complaints/${id}`);
  await hydrated(regulator);
  await regulator.getByRole('button', { name: '受理', exact: true }).click();
  await expect(regulator.locator('.tag.complaint-accepted')).toHaveText('已受理');
  await advance(operator, 0); // … and closes, on time

  await visitor.goto('/stats');
  await hydrated(visitor);
  await visitor.getByTestId('stats-timeliness-link').click();
  await expect(visitor).toHaveURL(/\/stats\/timeliness$/);
  await hydrated(visitor);
  await expect(visitor.getByRole('heading', { name: '时限履行情况', level: 1 })).toBeVisible();
  const table = visitor.getByTestId('timeliness-table');
  await expect(table).toBeVisible();
  const rows = table.locator('tbody tr');
  expect(await rows.count()).toBeGreaterThanOrEqual(1);
  expect(num(await table.locator('tfoot td[data-col="on_time"]').textContent())).toBeGreaterThanOrEqual(1);
  // a department with closed stages: its rate is a percentage, its name shown
  const closedRow = rows.filter({ has: visitor.locator('td[data-col="rate"]', { hasText: '%' }) }).first();
  await expect(closedRow.locator('th')).not.toHaveText('');
  const dept = await closedRow.getAttribute('data-department');
  // its per-stage breakdown names the complaint acceptance stage or another stage
  const details = visitor.locator(`details.timeliness-department[data-department="${dept}"]`);
  await details.locator('summary').click();
  await expect(details.locator('tbody tr').first()).toBeVisible();
  await expect(visitor.getByTestId('timeliness-rule')).toContainText('统计口径');
  // the chart is drawn by ECharts
  await expect(visitor.locator('[data-testid="chart-timeliness"] .chart canvas')).toHaveCount(1, { timeout: 20_000 });
  await expectAccessible(visitor);

  // a city narrows the view
  await visitor.locator('.region-children a[data-region="510100"]').click();
  await expect(visitor).toHaveURL(/region=510100/);
  await expect(visitor.getByRole('navigation', { name: '地区' })).toContainText('成都市');
  await expect(visitor.getByTestId('timeliness-period')).toContainText('成都市');

  // a bad month is named next to its field
  await visitor.goto('/stats/timeliness?from=2026-13');
  await expect(visitor.getByTestId('timeliness-from-error')).toHaveText('月份格式应为 年-月，例如 2026-01。');
  await expectAccessible(visitor);
  expect(errors.filter((e) => !e.includes('status of 400'))).toEqual([]);
});

test('@nojs the time-limit performance filter works as a plain GET form without JavaScript', async ({ browser }) => {
  const visitor = await visitorPage(browser);
  await visitor.goto('/stats');
  await visitor.getByTestId('stats-timeliness-link').click();
  await expect(visitor).toHaveURL(/\/stats\/timeliness$/);
  await expect(visitor.getByRole('heading', { name: '时限履行情况', level: 1 })).toBeVisible();
  const filters = visitor.getByTestId('timeliness-filters');
  const to = await filters.getByLabel('截止月份').inputValue();
  expect(to).toMatch(/^\d{4}-\d{2}$/);
  await filters.getByLabel('起始月份').fill(to);
  await filters.getByRole('button', { name: '查询' }).click();
  await expect(visitor).toHaveURL(new RegExp(`/stats/timeliness\\?.*from=${to}`));
  await expect(visitor.getByTestId('timeliness-period')).toContainText(`统计期间 ${to} 至 ${to}`);
  const bad = await visitor.goto('/stats/timeliness?from=2026-06&to=2026-01');
  expect(bad?.status()).toBe(400);
  await expect(visitor.getByTestId('timeliness-from-error')).toHaveText('起始月份不能晚于截止月份，且期间最长 60 个月。');
});
