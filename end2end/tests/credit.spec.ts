import { test, expect, Page } from '@playwright/test';
import { hydrated, watchErrors } from './helpers';
import { BASE, userPage, advance, local, publish, open, creditCode } from './trading-helpers';

// The credit archive (中介信用库) and star levels, end to end on the trading
// server: a blacklisted firm is refused when it tries to register, with the
// reason, everywhere in the province, until the entry is revoked; persistently
// poor ratings (the demo market's, found by the daily sweep at start-up) give
// the regulator a downgrade proposal, and the downgrade changes the firm's
// public star level. Desktop and phone projects both run these.
test.use({ baseURL: BASE });
test.describe.configure({ mode: 'serial' });

async function visitor(page: Page): Promise<Page> {
  const ctx = await page.context().browser()!.newContext({ baseURL: BASE, locale: 'zh-CN', viewport: page.viewportSize() ?? undefined });
  return ctx.newPage();
}

test('a blacklisted firm is refused at registration with the reason, its public archive shows grade D, and revoking the entry lets it take part', async ({ browser }) => {
  const owner = await userPage(browser, 'owner');
  const firm = await userPage(browser, 'firm.d');
  const regulator = await userPage(browser, 'regulator.hj');
  const errors = [...watchErrors(owner), ...watchErrors(firm), ...watchErrors(regulator)];
  const credit = await creditCode(firm);
  const { code } = await publish(owner, firm, 'random_draw');
  const today = local(await advance(owner, 0)).slice(0, 10);

  // the regulator lists the firm; a missing reason is named next to its field
  await regulator.goto('/regulator/credit');
  await hydrated(regulator);
  const form = regulator.locator('form:has(#re-code)');
  await form.getByLabel('统一社会信用代码').fill(credit);
  await form.getByLabel('名单', { exact: true }).selectOption('black');
  await form.getByLabel('生效日期').fill(today);
  await form.getByRole('button', { name: '列入红黑名单' }).click();
  await expect(form.getByText('请填写事由(5–500 字)。')).toBeVisible();
  await form.getByLabel('事由').fill('出具虚假评估报告,列入严重失信名单');
  await form.getByRole('button', { name: '列入红黑名单' }).click();
  await expect(form.getByText('已列入名单,信用分已重算。')).toBeVisible();

  // the firm is refused, with the reason, on the page and by the server
  await open(firm, code);
  await expect(firm.getByTestId('eligibility')).toContainText('贵单位处于黑名单或清退期内，不能参与。');
  await expect(firm.getByRole('button', { name: '报名', exact: true })).toHaveCount(0);
  const refused = await firm.request.post('/api/trading/register', { form: { code } });
  expect(refused.ok()).toBeFalsy();
  expect(await refused.text()).toContain('eligibility');

  // anyone finds the firm by its credit code: grade D, the entry and its validity
  const v = await visitor(firm);
  await v.goto('/credit');
  await hydrated(v);
  await v.getByLabel('统一社会信用代码或机构名称').fill(credit);
  await v.getByRole('button', { name: '搜索' }).click();
  await v.locator('tr', { hasText: credit }).getByRole('link').first().click();
  await expect(v).toHaveURL(new RegExp(`/credit/${credit}$`));
  await expect(v.locator('.credit-grade').first()).toHaveText('D');
  await expect(v.locator('tr.list-black', { hasText: '出具虚假评估报告,列入严重失信名单' }).first()).toBeVisible();

  // the regulator revokes the entry with a reason; the firm may take part again
  await regulator.reload();
  await hydrated(regulator);
  const row = regulator.locator('tr.list-black', { hasText: '出具虚假评估报告' }).filter({ has: regulator.getByRole('button', { name: '撤销' }) }).first();
  await row.getByPlaceholder('撤销理由(5–500 字)').fill('已完成信用修复,经审核撤销');
  await row.getByRole('button', { name: '撤销' }).click();
  await expect(regulator.locator('tr.list-black', { hasText: '出具虚假评估报告' }).getByRole('button', { name: '撤销' })).toHaveCount(0);
  await open(firm, code);
  await firm.getByRole('button', { name: '报名', exact: true }).click();
  await expect(firm.getByTestId('my-participation')).not.toBeEmpty();
  expect(errors).toEqual([]);
});

test('persistently poor ratings give the regulator a downgrade proposal; the downgrade lowers the public star level, dated and with its reason', async ({ browser }) => {
  const regulator = await userPage(browser, 'regulator');
  const errors = watchErrors(regulator);
  await regulator.goto('/regulator/sanctions');
  await hydrated(regulator);
  // the demo market's two poorly rated firms were found by the sweep at start-up;
  // each project acts on the first one still open
  const proposal = regulator.locator('li.proposal-open').first();
  await expect(proposal).toContainText('低于 2.500');
  const href = await proposal.getByRole('link').first().getAttribute('href');
  const credit = href!.split('/firms/')[1];
  const v = await visitor(regulator);
  await v.goto(`/firms/${credit}`);
  await hydrated(v);
  const level = v.getByTestId('firm-ratings').locator('.star-level');
  const before = Number((await level.innerText()).match(/(\d) 星/)![1]);
  expect(before, 'a poorly rated firm is above the lowest level before the downgrade').toBeGreaterThan(1);
  await expect(v.getByTestId('firm-ratings')).toContainText('成果多次返工,进度滞后');

  // a downgrade needs its cap and last day: each missing one is named
  const form = proposal.locator('form');
  await form.getByLabel('处理方式').selectOption('downgrade');
  await form.getByLabel('处理理由').fill('近 6 个月多次差评,成果多次返工');
  await form.getByRole('button', { name: '作出决定' }).click();
  await expect(form.getByText('降级须填写星级上限 1–4 星。')).toBeVisible();
  await form.getByLabel('星级上限(降级时填 1–4)').fill(String(before - 1));
  const today = local(await advance(regulator, 0)).slice(0, 10);
  const until = `${Number(today.slice(0, 4)) + 1}${today.slice(4)}`;
  await form.getByLabel('截止日期(降级、暂停时填)').fill(until);
  await form.getByRole('button', { name: '作出决定' }).click();
  await expect(regulator.locator('li.proposal-acted').filter({ has: regulator.locator(`a[href="/firms/${credit}"]`) })).toHaveCount(1);

  // the public profile: lower star level, the cap, the dated action and its reason
  await v.reload();
  await hydrated(v);
  await expect(level).toContainText(`${before - 1} 星`);
  const action = v.getByTestId('firm-ratings').locator('li.sanction-downgrade').first();
  await expect(action).toContainText(`星级上限 ${before - 1} 星,至 ${until}`);
  await expect(action).toContainText(today);
  await expect(action).toContainText('近 6 个月多次差评,成果多次返工');
  // the refused first submission is a 400 answer the page shows as a field error
  expect(errors.filter((e) => !e.includes('status of 400')), errors.join('\n')).toEqual([]);
});
