import { test, expect, Page } from '@playwright/test';
import { hydrated, watchErrors } from './helpers';
import { BASE, DAY, PDF, PHONE, userPage, advance, publish, open, creditCode } from './trading-helpers';

// Contracts (网上签约), payment (网上支付), delivery and acceptance, end to end on
// the trading server (its clock moves): a direct selection becomes final, the
// contract is generated, the firm (always on a phone) proposes an advance
// payment, both sign, the owner pays the advance through the sandbox gateway —
// with the gateway re-sending its notification and a forged one posted — the
// firm delivers, the owner rejects, the firm delivers again, the owner accepts
// and pays the rest, and the contract is completed.
test.use({ baseURL: BASE });
test.describe.configure({ mode: 'serial' });

/** The contract the first test completed (the tests run in order). */
let completed = '';

async function openContract(page: Page, code: string) {
  await page.goto(`/contracts/${code}`);
  await hydrated(page);
}

/** Signs the version on screen. */
async function sign(page: Page) {
  const box = page.getByRole('checkbox', { name: /我已阅读并同意第 \d+ 版合同全文/ });
  await box.check();
  await page.getByRole('button', { name: '签署合同', exact: true }).click();
}

/** Pays installment `seq` online through the sandbox gateway; returns the order number. */
async function payOnline(owner: Page, seq: number): Promise<string> {
  const panel = owner.getByTestId('payments-panel');
  await panel.getByTestId(`pay-${seq}`).click();
  await expect(owner).toHaveURL(/\/sandbox-gateway\/pay\//);
  const orderNo = decodeURIComponent(owner.url().split('/sandbox-gateway/pay/')[1].split(/[?#]/)[0]);
  await expect(owner.getByText('沙箱支付网关(测试环境)')).toBeVisible();
  await owner.getByRole('button', { name: '确认支付' }).click();
  await expect(owner.getByTestId('status')).toContainText('支付成功');
  return orderNo;
}

test('award → amendment → both sign → sandbox payment with a duplicate and a forged callback → delivery → rejection → redelivery → acceptance → completed', async ({ browser }) => {
  test.setTimeout(240_000);
  const owner = await userPage(browser, 'owner');
  const firm = await userPage(browser, 'firm.c', PHONE);
  const errors = [...watchErrors(owner), ...watchErrors(firm)];
  const credit = await creditCode(firm);
  const { code } = await publish(owner, firm, 'direct', { 'form[direct_firm]': credit, 'form[direct_reason]': '该单位承担过本项目前期工作' });
  await open(firm, code);
  await firm.getByRole('button', { name: '确认中选' }).click();
  await expect(firm.getByRole('button', { name: '确认中选' })).toHaveCount(0);
  await advance(owner, 8 * DAY);
  const contract = `${code}-HT1`;
  // the announcement leads its parties to the contract
  await open(owner, code);
  await expect(owner.getByTestId('contract-link')).toContainText(contract);

  // the firm finds the generated contract among its own
  await firm.goto('/contracts');
  await hydrated(firm);
  await firm.locator(`a[href="/contracts/${contract}"]`).click();
  await expect(firm).toHaveURL(new RegExp(`/contracts/${contract}$`));
  await hydrated(firm);
  await expect(firm.getByTestId('contract-status')).toHaveText('待签订');
  const text = firm.getByTestId('contract-text');
  await expect(text).toContainText('中介服务合同');
  await expect(text).toContainText(credit);

  // the firm proposes an advance of 30 % after signing (version 2)
  await firm.getByText('提出修改', { exact: true }).click();
  await firm.getByLabel('付款分期').fill('预付款|30%|签订后\n尾款|70%|验收后');
  await firm.getByRole('button', { name: '提交修改' }).click();
  await expect(text).toContainText('预付款');
  await expect(firm.getByTestId('contract-version')).toContainText('2');

  // both sign the exact text of version 2
  await openContract(owner, contract);
  await expect(owner.getByTestId('contract-text')).toContainText('预付款');
  const hash = (await owner.getByTestId('signing-sha256').innerText()).trim();
  expect(hash).toMatch(/^[0-9a-f]{64}$/);
  await sign(owner);
  await expect(owner.getByTestId('signatures')).toContainText(hash);
  await openContract(firm, contract);
  await sign(firm);
  await expect(firm.getByTestId('contract-status')).toHaveText('履行中');

  // the owner pays the advance online
  await openContract(owner, contract);
  await expect(owner.getByTestId('contract-status')).toHaveText('履行中');
  const orderNo = await payOnline(owner, 1);
  // the gateway's notification arrives asynchronously; the merchant console
  // re-sends the same notification: a duplicate
  await owner.getByRole('button', { name: '重发通知' }).click();
  await expect(owner.getByTestId('status')).toContainText('支付成功');
  // a forged notification (bad signature) claiming a refund is refused
  const forged = await owner.request.post('/payments/notify/sandbox', {
    headers: { 'content-type': 'application/json', 'X-Sandbox-Signature': '0'.repeat(64) },
    data: JSON.stringify({ notify_id: 'forged-1', order_no: orderNo, status: 'refunded', amount_fen: 1, txn_id: 'X', paid_at: 0 }),
  });
  expect(forged.status()).toBe(400);
  await owner.getByRole('link', { name: '返回商户' }).click();
  await expect(owner).toHaveURL(new RegExp(`/contracts/${contract}`));
  await hydrated(owner);
  const panel = owner.getByTestId('payments-panel');
  await expect(panel.getByTestId('installment-1')).toContainText('已支付', { timeout: 20_000 });
  await expect(panel.getByTestId(`callbacks-${orderNo}`)).toContainText('已处理 1 次,重复通知已忽略 1 次,伪造通知已拒绝 1 次', { timeout: 20_000 });
  await expect(panel.getByTestId('installment-2')).toContainText('未到付款条件');

  // the firm delivers (round 1); the owner rejects with a reason
  await openContract(firm, contract);
  const delivery = firm.getByTestId('delivery-form');
  await delivery.getByLabel('成果文件').setInputFiles({ name: '报告初稿.pdf', mimeType: 'application/pdf', buffer: PDF });
  await delivery.getByRole('button', { name: '提交成果' }).click();
  await expect(firm.getByTestId('contract-status')).toHaveText('待验收');
  await openContract(owner, contract);
  const decide = owner.getByTestId('decide-delivery');
  await decide.getByText('退回修改', { exact: true }).click();
  await decide.getByLabel('退回理由').fill('第三章数据来源未注明,请补充后重新提交');
  await decide.getByRole('button', { name: '确认退回' }).click();
  await expect(owner.getByTestId('contract-status')).toHaveText('履行中');
  await expect(owner.getByText('已退回').first()).toBeVisible();

  // round 2; the owner accepts
  await openContract(firm, contract);
  await expect(firm.getByText('第三章数据来源未注明').first()).toBeVisible();
  const again = firm.getByTestId('delivery-form');
  await again.getByLabel('成果文件').setInputFiles({ name: '报告修改稿.pdf', mimeType: 'application/pdf', buffer: PDF });
  await again.getByRole('button', { name: '提交成果' }).click();
  await expect(firm.getByTestId('contract-status')).toHaveText('待验收');
  await openContract(owner, contract);
  await owner.getByTestId('decide-delivery').getByRole('button', { name: '验收合格' }).click();
  await expect(owner.getByTestId('contract-status')).toHaveText('已验收');

  // the balance falls due on acceptance; paying it completes the contract
  await payOnline(owner, 2);
  await owner.getByRole('link', { name: '返回商户' }).click();
  await hydrated(owner);
  await expect(owner.getByTestId('contract-status')).toHaveText('已完成', { timeout: 20_000 });
  await openContract(firm, contract);
  await expect(firm.getByTestId('contract-status')).toHaveText('已完成');

  // anyone of the two may verify the signed text in the browser
  await owner.goto(`/contracts/${contract}/verify`);
  await hydrated(owner);
  await expect(owner.getByTestId('verify-by')).toHaveAttribute('data-mode', 'browser');
  // two versions (generated, amended): each recomputed text matches what was signed
  await expect(owner.getByTestId('verify-overall')).toHaveCount(2);
  await expect(owner.locator('.verify-result.bad')).toHaveCount(0);
  await expect(owner.getByTestId('verify-overall').first()).toContainText('一致');
  expect(errors).toEqual([]);
  completed = contract;
});

test('only the two parties and supervisors in scope see a contract; supervisors cannot sign', async ({ browser }) => {
  expect(completed, 'the previous test completed a contract').toBeTruthy();
  // another firm: the contract does not exist for it
  const other = await userPage(browser, 'firm.d');
  const res = await other.goto(`/contracts/${completed}`);
  expect(res?.status()).toBe(404);
  const api = await other.request.post('/api/contracts/page', { form: { code: completed } });
  expect(api.status()).toBe(404);
  // the province's leader (a supervisor) reads it, without any action
  const leader = await userPage(browser, 'leader');
  await leader.goto(`/contracts/${completed}`);
  await hydrated(leader);
  await expect(leader.getByTestId('contract-text')).toContainText('中介服务合同');
  await expect(leader.getByTestId('contract-status')).toHaveText('已完成');
  for (const name of ['签署合同', '提交修改', '在线支付', '催办', '发送消息']) {
    await expect(leader.getByRole('button', { name })).toHaveCount(0);
  }
});

test('the owner rates the completed contract (a missing score is named), the firm replies once, both are public on its profile', async ({ browser }) => {
  expect(completed, 'the first test completed a contract').toBeTruthy();
  const owner = await userPage(browser, 'owner');
  const firm = await userPage(browser, 'firm.c', PHONE);
  const errors = [...watchErrors(owner), ...watchErrors(firm)];
  const credit = await creditCode(firm);
  await openContract(owner, completed);
  const panel = owner.getByTestId('ratings-panel');
  await panel.getByLabel('服务时效').selectOption('5');
  await panel.getByLabel('服务质量').selectOption('4');
  await panel.getByLabel('服务态度').selectOption('5');
  await panel.getByRole('button', { name: '提交评价' }).click();
  // the one left out is named next to its field
  await expect(panel.getByText('请为该项选择 1–5 分。')).toBeVisible();
  await panel.getByLabel('服务时效').selectOption('5');
  await panel.getByLabel('服务质量').selectOption('4');
  await panel.getByLabel('服务态度').selectOption('5');
  await panel.getByLabel('收费规范').selectOption('4');
  await panel.getByLabel('评价意见(选填)').fill('报告结论清楚,整改建议可操作');
  // each key staff member of the firm is rated too
  const staff = panel.locator('.rating-staff select');
  for (let i = 0; i < await staff.count(); i++) await staff.nth(i).selectOption('5');
  await panel.getByRole('button', { name: '提交评价' }).click();
  await expect(panel.locator('.rating-card')).toContainText('报告结论清楚,整改建议可操作');
  await expect(panel.getByRole('button', { name: '提交评价' })).toHaveCount(0);

  // the firm replies once, on a phone
  await openContract(firm, completed);
  const fp = firm.getByTestId('ratings-panel');
  await fp.getByLabel('机构回复').fill('感谢业主认可,我们将持续改进服务');
  await fp.getByRole('button', { name: '发布回复' }).click();
  await expect(fp.locator('.rating-reply')).toContainText('感谢业主认可');
  await expect(fp.getByRole('button', { name: '发布回复' })).toHaveCount(0);

  // anyone reads both on the firm's profile, with the star calculation
  const visitor = await (await browser.newContext({ baseURL: BASE, locale: 'zh-CN' })).newPage();
  await visitor.goto(`/firms/${credit}`);
  await hydrated(visitor);
  const section = visitor.getByTestId('firm-ratings');
  await expect(section).toContainText('报告结论清楚,整改建议可操作');
  await expect(section).toContainText('感谢业主认可');
  await expect(section.getByText('星级计算公式')).toBeVisible();
  expect(errors).toEqual([]);
});
