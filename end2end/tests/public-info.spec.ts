import { test, expect } from '@playwright/test';
import { hydrated, watchErrors } from './helpers';
import { BASE, userPage } from './trading-helpers';

// The public information service (信息公开) and the red-flag thresholds:
// - a visitor files a complaint against a department; the complaint statistics
//   (reached from /stats) count it for that department, in the chart and its
//   table, without the filer's name;
// - the case status lookup, from the box on the announcements list, finds a
//   demo announcement's progress; a malformed or unknown code is explained;
// - the operator changes one threshold (a refused value is named) and sees it
//   saved, then restores the defaults.
// Desktop and phone projects run these; the lookup also runs without JavaScript.
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

test('complaints per department: a filed complaint is counted for its department in the chart and the table', async ({ browser }) => {
  const visitor = await visitorPage(browser);
  const errors = watchErrors(visitor);
  const stamp = Date.now().toString().slice(-8);

  await visitor.goto('/complaints/new');
  await hydrated(visitor);
  const form = visitor.getByTestId('complaint-form');
  await form.getByLabel('投诉对象类型').selectOption('department');
  await form.getByLabel('投诉对象', { exact: true }).fill('自然资源部门');
  await form.getByLabel('主管行业').selectOption('ZR');
  await form.getByLabel('所属地区').selectOption('510104');
  await form.getByLabel('投诉事项').fill(`审批超时 ${stamp}`);
  await form.getByLabel('事实与理由').fill('提交测绘成果后二十个工作日仍未办结，也未说明理由。');
  await form.getByLabel('投诉人姓名').fill('王女士');
  await form.getByLabel('联系电话').fill('1380000' + stamp.slice(-4));
  await form.getByRole('button', { name: '提交投诉' }).click();
  await expect(visitor.getByTestId('complaint-filed')).toContainText('投诉已提交');

  await visitor.goto('/stats');
  await hydrated(visitor);
  await visitor.getByTestId('stats-complaints-link').click();
  await expect(visitor).toHaveURL(/\/stats\/complaints$/);
  await hydrated(visitor);
  await expect(visitor.getByRole('heading', { name: '投诉情况统计', level: 1 })).toBeVisible();
  const table = visitor.getByTestId('complaint-table');
  await expect(table).toBeVisible();
  const row = table.locator('tr[data-department="ZRBM"]');
  await expect(row.locator('th')).toHaveText('自然资源部门');
  expect(Number(await row.locator('td[data-status="submitted"]').textContent())).toBeGreaterThanOrEqual(1);
  await expect(visitor.getByTestId('department-rule')).toContainText('部门归属规则');
  // the chart is drawn by ECharts; no filer is named
  await expect(visitor.locator('[data-testid="chart-complaints"] .chart canvas')).toHaveCount(1, { timeout: 20_000 });
  await expect(visitor.getByText('王女士')).toHaveCount(0);

  // a city narrows the view; a bad month is named
  await visitor.locator('.region-children a[data-region="510100"]').click();
  await expect(visitor).toHaveURL(/region=510100/);
  await expect(visitor.getByRole('navigation', { name: '地区' })).toContainText('成都市');
  await visitor.goto('/stats/complaints?from=2026-13');
  await expect(visitor.getByText('月份格式应为 年-月，例如 2026-01。')).toBeVisible();
  expect(errors.filter((e) => !e.includes('status of 400'))).toEqual([]);
});

test('the lookup box on the announcements list finds a demo announcement and shows its progress', async ({ browser }) => {
  const visitor = await visitorPage(browser);
  const errors = watchErrors(visitor);
  await visitor.goto('/announcements');
  await hydrated(visitor);
  const href = await visitor.locator('a[href^="/announcements/ZJ"]').first().getAttribute('href');
  const code = (href ?? '').split('/').pop() ?? '';
  expect(code).toMatch(/^ZJ\d{11}$/);

  await visitor.getByLabel('按公告编号查询办理进度').fill(code.toLowerCase());
  await visitor.getByTestId('lookup-box').getByRole('button', { name: '查询' }).click();
  await expect(visitor).toHaveURL(/\/lookup\?code=/);
  await hydrated(visitor);
  await expect(visitor.getByTestId('case-code')).toHaveText(code);
  const steps = visitor.getByTestId('case-steps').locator('li');
  await expect(steps).toHaveCount(8);
  const published = visitor.locator('li[data-step="published"]');
  await expect(published).toHaveAttribute('data-state', 'done');
  await expect(published.locator('.step-when')).toHaveText(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$/);
  await expect(visitor.locator('li[data-step="paid"] .step-when')).toHaveText(/\d{4}-|进行中|未开始|不适用/);
  await visitor.getByTestId('case-announcement').click();
  await expect(visitor).toHaveURL(new RegExp(`/announcements/${code}$`));

  // a malformed code and an unknown one are explained next to the box
  await visitor.goto('/lookup');
  await hydrated(visitor);
  await visitor.getByLabel('公告编号').fill('ABC');
  await visitor.getByRole('button', { name: '查询' }).click();
  await expect(visitor.getByTestId('lookup-error')).toHaveText('公告编号格式不对，应为 ZJ 加 11 位数字，例如 ZJ20261100001。');
  await visitor.getByLabel('公告编号').fill('ZJ20990100001');
  await visitor.getByRole('button', { name: '查询' }).click();
  await expect(visitor.getByTestId('lookup-error')).toContainText('未找到该公告编号');
  expect(errors.filter((e) => !e.includes('status of 40'))).toEqual([]);
});

test('@nojs the lookup works as a plain GET form without JavaScript', async ({ browser }) => {
  const visitor = await visitorPage(browser);
  await visitor.goto('/announcements');
  const href = await visitor.locator('a[href^="/announcements/ZJ"]').first().getAttribute('href');
  const code = (href ?? '').split('/').pop() ?? '';
  await visitor.goto('/lookup');
  await visitor.getByLabel('公告编号').fill(code);
  await visitor.getByRole('button', { name: '查询' }).click();
  await expect(visitor).toHaveURL(new RegExp(`/lookup\\?code=${code}$`));
  await expect(visitor.getByTestId('case-code')).toHaveText(code);
  await expect(visitor.locator('li[data-step="published"]')).toHaveAttribute('data-state', 'done');
  const missing = await visitor.goto('/lookup?code=ZJ20990100001');
  expect(missing?.status()).toBe(404);
  await expect(visitor.getByTestId('lookup-error')).toContainText('未找到该公告编号');
});

test('the operator changes a red-flag threshold from the flag list, a bad value is named, then restores the defaults', async ({ browser }) => {
  const operator = await userPage(browser, 'operator');
  const errors = watchErrors(operator);
  await operator.goto('/supervision/flags');
  await hydrated(operator);
  await operator.getByTestId('redflag-settings-link').click();
  await expect(operator).toHaveURL(/\/operator\/redflag-settings$/);
  await hydrated(operator);
  await expect(operator.getByTestId('nightly-note')).toContainText('下一次夜间');
  const form = operator.getByTestId('redflag-settings-form');

  // a percentile of 100 is refused next to its field
  await form.getByLabel('R025 投标次数百分位').fill('100');
  await form.getByRole('button', { name: '保存' }).click();
  await expect(form.getByText('百分位应为 1 到 99 之间的整数。')).toBeVisible();

  const value = test.info().project.name.startsWith('phone') ? '85' : '80';
  await form.getByLabel('R025 投标次数百分位').fill(value);
  await form.getByRole('button', { name: '保存' }).click();
  await expect(operator.getByTestId('settings-saved')).toBeVisible();
  await expect(operator.getByTestId('current-r025_percentile')).toHaveText(value);
  await operator.reload();
  await hydrated(operator);
  await expect(operator.getByTestId('current-r025_percentile')).toHaveText(value);
  await expect(operator.getByTestId('redflag-settings-form').getByLabel('R025 投标次数百分位')).toHaveValue(value);

  // 恢复默认
  await operator.getByTestId('redflag-reset').click();
  await expect(operator.getByTestId('current-r025_percentile')).toHaveText('75');
  expect(errors.filter((e) => !e.includes('status of 400'))).toEqual([]);
});
