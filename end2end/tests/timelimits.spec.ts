import { test, expect } from '@playwright/test';
import { hydrated, num, watchErrors } from './helpers';
import { BASE, advance, userPage } from './trading-helpers';

// Stage time limits and the supervision board (时限监察), end to end. The demo
// market's times lie in the past, so the first refresh of the lights (the
// scheduler's, or the test-clock route's) shows yellow and red stages. The operator sets a limit (a bad
// number is named next to its field); a regulator opens the board, sees the
// counts of its scope and a red case with how long it is overdue and who
// answers for it. Desktop and phone projects both run these.
test.use({ baseURL: BASE });
test.describe.configure({ mode: 'serial' });

test('the operator sets the acceptance limit; a bad number is named next to its field', async ({ browser }) => {
  const operator = await userPage(browser, 'operator');
  const errors = watchErrors(operator);
  await operator.goto('/operator/time-limits');
  await hydrated(operator);
  await expect(operator.getByRole('heading', { name: '环节时限设置', level: 1 })).toBeVisible();
  // the service stage follows the contract
  await expect(operator.getByTestId('limit-service').getByTestId('limit-days')).toHaveText('按合同约定的服务期限');

  const form = operator.getByTestId('limit-form');
  await form.getByLabel('环节').selectOption('acceptance');
  await form.getByLabel('时限(工作日)').fill('0');
  await form.getByRole('button', { name: '保存时限' }).click();
  await expect(form.getByText('时限请填写 1 至 365 之间的整数个工作日。')).toBeVisible();

  await form.getByLabel('时限(工作日)').fill('12');
  await form.getByLabel('提前预警(工作日)').fill('2');
  await form.getByRole('button', { name: '保存时限' }).click();
  await expect(form.getByText('时限已保存。')).toBeVisible();
  await expect(operator.getByTestId('limit-acceptance').getByTestId('limit-days')).toHaveText('12');
  // the refused number is answered 400 on purpose; nothing else may fail
  expect(errors.filter((e) => !e.includes('status of 400'))).toEqual([]);
});

test('a regulator opens the board: counts of its scope, and a red case overdue with its responsible party', async ({ browser }) => {
  const regulator = await userPage(browser, 'regulator');
  const errors = watchErrors(regulator);
  // the test-clock route runs the scheduler's steps (lights included) at once
  await advance(regulator, 0);
  await regulator.goto('/supervision/board');
  await hydrated(regulator);
  await expect(regulator.getByRole('heading', { name: '电子监察看板', level: 1 })).toBeVisible();

  const red = num(await regulator.getByTestId('total-red').textContent());
  expect(red).toBeGreaterThan(0);
  await expect(regulator.getByTestId('by-region')).toBeVisible();
  await expect(regulator.getByTestId('by-department')).toBeVisible();
  await expect(regulator.getByTestId('by-owner')).toBeVisible();
  await expect(regulator.getByTestId('by-stage')).toBeVisible();
  await expect(regulator.getByTestId('red-count')).toContainText(`共 ${red} 件超时`);

  const first = regulator.getByTestId('red-case').first();
  await expect(first).toBeVisible();
  await expect(first.getByTestId('red-overdue')).toContainText('个工作日');
  await expect(first.getByTestId('red-responsible')).toHaveText(/项目业主|中介服务机构|部门|平台运营方/);

  // filtering by stage narrows the counts to that stage
  await regulator.getByLabel('环节').selectOption('signing');
  await regulator.getByRole('button', { name: '搜索' }).click();
  await expect(regulator).toHaveURL(/stage=signing/);
  const stages = regulator.getByTestId('by-stage');
  const none = stages.getByText('没有黄灯或红灯。');
  await expect(stages.getByText('合同签订').or(none)).toBeVisible();
  await expect(stages.getByText('成果验收')).toHaveCount(0);
  expect(errors).toEqual([]);
});

test('a completed contract shows its lights to its owner: each stage, its deadline and the light it finished with', async ({ browser }) => {
  const owner = await userPage(browser, 'owner');
  const errors = watchErrors(owner);
  await owner.goto('/contracts?status=completed');
  await hydrated(owner);
  const link = owner.locator('table a[href^="/contracts/"]').last();
  await expect(link).toBeVisible();
  const href = await link.getAttribute('href');
  await link.click(); // client-side navigation: the lights are read through the API
  await expect(owner).toHaveURL(BASE + href!);
  const lights = owner.getByTestId('light-history');
  await expect(lights.getByRole('heading', { name: '时限监察记录' })).toBeVisible();
  // a completed contract went through signing, service, acceptance and payment, all finished
  for (const stage of ['signing', 'service', 'acceptance', 'payment']) {
    const row = lights.locator(`[data-testid="light-stage"][data-stage="${stage}"]`);
    await expect(row).toHaveCount(1);
    await expect(row).toContainText(/已于 \d{4}-\d{2}-\d{2} \d{2}:\d{2} 办结/);
    await expect(row).toContainText(/绿灯|黄灯|红灯/);
  }
  await expect(lights.getByText('办理中')).toHaveCount(0);
  // nobody else's: an anonymous visitor on a public announcement sees no lights
  const anonymous = await browser.newPage();
  await anonymous.goto(BASE + '/announcements');
  await hydrated(anonymous);
  await anonymous.locator('a[href^="/announcements/ZJ"]').first().click();
  await expect(anonymous.getByTestId('participant-count')).toBeVisible();
  await expect(anonymous.getByTestId('light-history')).toHaveCount(0);
  await anonymous.close();
  expect(errors).toEqual([]);
});

test('the board reads on a phone without sideways scrolling @phone', async ({ browser }) => {
  const regulator = await userPage(browser, 'regulator');
  await regulator.goto('/supervision/board');
  await hydrated(regulator);
  await expect(regulator.getByTestId('light-totals')).toBeVisible();
  const overflow = await regulator.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow).toBeLessThanOrEqual(1);
});
