import { test, expect } from '@playwright/test';
import { hydrated, watchErrors } from './helpers';
import { BASE, userPage } from './trading-helpers';

// Red flags (风险预警), end to end: the nightly run at server start opened review
// cases on the demo market; the operator closes one with a finding (an empty
// finding is refused, named next to its field) and the case moves to the closed
// list with the finding. A regulator sees the cases of its scope. Desktop and
// phone projects both run these; each closes the first case still open.
test.use({ baseURL: BASE });
test.describe.configure({ mode: 'serial' });

test('the operator closes an open red-flag case with a finding; an empty finding is named and the case moves to closed', async ({ browser }) => {
  const operator = await userPage(browser, 'operator');
  const errors = watchErrors(operator);
  await operator.goto('/supervision/flags');
  await hydrated(operator);
  await expect(operator.getByRole('heading', { name: '风险预警', level: 1 })).toBeVisible();

  // open cases by default, each with its indicator's Chinese name and subject
  const first = operator.getByTestId('redflag-case').first();
  await expect(first).toBeVisible();
  await expect(first.getByTestId('redflag-status')).toHaveText('待核查');
  const id = await first.getAttribute('id');
  expect(id).toMatch(/^case-\d+$/);

  await first.getByRole('link', { name: '结案', exact: true }).click();
  const form = operator.locator(`#${id} form`);
  await expect(form).toBeVisible();
  await form.getByRole('button', { name: '提交结论并结案' }).click();
  await expect(form.getByText('请填写核查结论,5 至 500 个字。')).toBeVisible();

  const finding = `经核查,情况已向业主核实并责令整改(${test.info().project.name})`;
  await form.getByLabel('核查结论').fill(finding);
  await form.getByRole('button', { name: '提交结论并结案' }).click();
  await expect(operator.locator(`#${id}`)).toHaveCount(0);

  // the closed list shows it with the finding and who closed it
  await operator.goto('/supervision/flags?status=closed');
  await hydrated(operator);
  const closed = operator.locator(`#${id}`);
  await expect(closed.getByTestId('redflag-status')).toHaveText('已结案');
  await expect(closed).toContainText(finding);
  await expect(closed).toContainText('结案人');
  // the refused (empty) finding is answered 400 on purpose; nothing else may fail
  expect(errors.filter((e) => !e.includes('status of 400'))).toEqual([]);
});

test('the filters narrow the list by indicator, and a regulator sees the cases of its scope', async ({ browser }) => {
  const regulator = await userPage(browser, 'regulator');
  const errors = watchErrors(regulator);
  await regulator.goto('/supervision/flags');
  await hydrated(regulator);
  await regulator.getByLabel('预警指标').selectOption('R018');
  await regulator.getByRole('button', { name: '搜索' }).click();
  await expect(regulator).toHaveURL(/code=R018/);
  const cases = regulator.getByTestId('redflag-case');
  const empty = regulator.getByText('没有符合条件的预警案件。');
  await expect(cases.first().or(empty)).toBeVisible();
  for (const c of await cases.all()) {
    await expect(c).toContainText('仅一家机构参与');
  }
  expect(errors).toEqual([]);
});
