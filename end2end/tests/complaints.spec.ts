import { test, expect } from '@playwright/test';
import { hydrated, watchErrors } from './helpers';
import { BASE, PDF, userPage, creditCode } from './trading-helpers';

// Complaints (投诉): a member of the public files one against a firm, with an
// attachment; a refused field is named and nothing typed is lost; the
// regulator of the industry and region accepts it within its time limit and
// upholds it; the outcome is in the firm's public credit archive. Desktop and
// phone projects both run it.
test.use({ baseURL: BASE });
test.describe.configure({ mode: 'serial' });

test('the public files a complaint against a firm, the regulator accepts and upholds it, the outcome is public in the credit archive', async ({ browser }) => {
  const firmAccount = await userPage(browser, 'firm.b');
  const credit = await creditCode(firmAccount);
  const regulator = await userPage(browser, 'regulator');
  const project = test.info().project.use as any;
  const ctx = await browser.newContext({ baseURL: BASE, locale: 'zh-CN', viewport: project.viewport, isMobile: project.isMobile, hasTouch: project.hasTouch });
  const visitor = await ctx.newPage();
  const errors = [...watchErrors(visitor), ...watchErrors(regulator)];
  const stamp = Date.now().toString().slice(-8);
  const subject = `超标准收费 ${stamp}`;

  await visitor.goto('/');
  await hydrated(visitor);
  await visitor.getByRole('link', { name: '投诉', exact: true }).click();
  await expect(visitor).toHaveURL(/\/complaints\/new$/);
  await hydrated(visitor);
  const form = visitor.getByTestId('complaint-form');
  await form.getByLabel('投诉对象类型').selectOption('firm');
  await form.getByLabel('投诉对象', { exact: true }).fill(credit);
  await form.getByLabel('主管行业').selectOption('ZJ');
  await form.getByLabel('投诉事项').fill(subject);
  await form.getByLabel('事实与理由').fill('该机构在合同价款之外另行收取“加急费”两万元,未提供任何依据。');
  await form.getByLabel(/证明材料/).setInputFiles({ name: '收费凭证.pdf', mimeType: 'application/pdf', buffer: PDF });
  // without name and phone the form says which is missing and keeps the rest
  await form.getByRole('button', { name: '提交投诉' }).click();
  await expect(form.getByText('请填写投诉人姓名（2–30 字）。')).toBeVisible();
  await expect(form.getByLabel('事实与理由')).toHaveValue(/加急费/);
  await form.getByLabel('投诉人姓名').fill('李先生');
  await form.getByLabel('联系电话').fill('1390000' + stamp.slice(-4));
  await form.getByRole('button', { name: '提交投诉' }).click();
  await expect(visitor.getByTestId('complaint-filed')).toContainText('投诉已提交，编号');
  const id = new URL(visitor.url()).searchParams.get('filed');
  expect(id).toMatch(/^\d+$/);

  // the regulator of the industry and region finds it in its queue, with its time limit
  await regulator.goto('/regulator/complaints');
  await hydrated(regulator);
  const row = regulator.locator(`tr[data-id="${id}"]`);
  await expect(row).toContainText('待受理');
  await expect(row).toContainText('受理期限');
  await row.getByRole('link', { name: subject }).click();
  await expect(regulator).toHaveURL(new RegExp(`/complaints/${id}$`));
  await hydrated(regulator);
  await expect(regulator.getByRole('link', { name: '收费凭证.pdf' })).toBeVisible();
  await expect(regulator.getByText('李先生')).toBeVisible();
  await regulator.getByRole('button', { name: '受理', exact: true }).click();
  await expect(regulator.locator('.tag.complaint-accepted')).toHaveText('已受理');
  // a decision needs its reason
  await regulator.getByRole('button', { name: '投诉成立' }).click();
  await expect(regulator.getByText('请填写理由（5–2000 字）。')).toBeVisible();
  await regulator.getByLabel('理由', { exact: true }).fill('经调取合同及收款记录,另行收费属实,责令退还');
  await regulator.getByRole('button', { name: '投诉成立' }).click();
  await expect(regulator.locator('.tag.complaint-decided')).toHaveText('已办结');
  await expect(regulator.locator('.complaint-facts')).toContainText('投诉成立');

  // the outcome is in the firm's public credit archive; the filer's phone is not
  await visitor.goto(`/credit/${credit}`);
  await hydrated(visitor);
  await expect(visitor.getByText(subject)).toBeVisible();
  expect(await visitor.content()).not.toContain('1390000' + stamp.slice(-4));
  expect(errors).toEqual([]);
});
