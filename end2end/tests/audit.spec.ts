import { test, expect } from '@playwright/test';
import { hydrated, watchErrors } from './helpers';
import { BASE, userPage } from './trading-helpers';

// The audit trail (审计记录), end to end: the operator does a state-changing
// action in the UI (closes a red-flag case), finds it in the audit trail with
// who, role, what and the status change, and verifies the hash chain. Desktop
// and phone projects both run this (the phone layout labels every cell).
test.use({ baseURL: BASE });
test.describe.configure({ mode: 'serial' });

test('an action done in the UI appears in the audit trail with who and what, and the chain verifies intact', async ({ browser }) => {
  const operator = await userPage(browser, 'operator');
  const errors = watchErrors(operator);

  // one state-changing action: close the first open red-flag case
  await operator.goto('/supervision/flags');
  await hydrated(operator);
  const first = operator.getByTestId('redflag-case').first();
  await expect(first).toBeVisible();
  const id = (await first.getAttribute('id'))!.replace('case-', '');
  await first.getByRole('link', { name: '结案', exact: true }).click();
  const form = operator.locator(`#case-${id} form`);
  await form.getByLabel('核查结论').fill(`审计测试:已核实并责令整改(${test.info().project.name})`);
  await form.getByRole('button', { name: '提交结论并结案' }).click();
  await expect(operator.locator(`#case-${id}`)).toHaveCount(0);

  // the audit trail shows it, newest first, found by action and subject
  await operator.goto('/supervision/audit');
  await hydrated(operator);
  await expect(operator.getByRole('heading', { name: '审计记录', level: 1 })).toBeVisible();
  await operator.getByLabel('操作', { exact: true }).fill('redflags/close');
  await operator.getByLabel('对象', { exact: true }).fill(id);
  await operator.getByRole('button', { name: '搜索' }).click();
  await expect(operator).toHaveURL(/action=redflags%2Fclose/);
  const entry = operator.getByTestId('audit-entry').first();
  await expect(entry).toContainText('operator(运维机构)');
  await expect(entry).toContainText('redflags/close');
  await expect(entry).toContainText(`预警案件 ${id}`);
  await expect(entry).toContainText('open → closed');
  await expect(entry).toContainText('成功');
  // the arguments are there, the finding included
  await entry.getByText('参数').click();
  await expect(entry.locator('pre')).toContainText('审计测试');

  // a bad date range is named
  await operator.goto('/supervision/audit?from=2026-03-02&to=2026-03-01');
  await hydrated(operator);
  await expect(operator.getByTestId('audit-filter-error')).toHaveText('截止日期不能早于起始日期。');

  // verify the whole chain
  await operator.goto('/supervision/audit');
  await hydrated(operator);
  await operator.getByTestId('audit-verify').click();
  await expect(operator.getByTestId('audit-verify-result')).toContainText(/链完整,共 \d+ 条/);
  expect(errors.filter((e) => !e.includes('status of 400'))).toEqual([]);
});

test('the audit trail is for supervisors: a firm is refused', async ({ browser }) => {
  const firm = await userPage(browser, 'firm');
  await firm.goto('/supervision/audit');
  await hydrated(firm);
  await expect(firm.getByTestId('audit-log')).toHaveCount(0);
  await expect(firm.getByText('您没有权限')).toBeVisible();
});
