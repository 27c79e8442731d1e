import { test, expect, Page } from '@playwright/test';
import { watchErrors, hydrated, expectAccessible } from './helpers';

// Catalogue maintenance by the demo regulator: 住房城乡建设 (ZJ) for the whole
// province (510000). The demo accounts come from the demo loader.
const REGULATOR = 'regulator';
const PASSWORD = 'Zjcs-Demo-2026';

/** A day in Asia/Shanghai (the server's "today" + `days`), YYYY-MM-DD. */
const day = (days = 0) => new Date(Date.now() + 8 * 3_600_000 + days * 86_400_000).toISOString().slice(0, 10);

async function signIn(page: Page, next: string, js = true) {
  await page.goto(`/sign-in?next=${encodeURIComponent(next)}`);
  if (js) await hydrated(page);
  await page.getByLabel('用户名').fill(REGULATOR);
  await page.getByLabel('密码').fill(PASSWORD);
  await page.getByRole('button', { name: '登录', exact: true }).click();
  await expect(page).toHaveURL(new RegExp(`${next.replace(/[/]/g, '\\/')}$`));
}

/** Fills the new-item form (the code is prefilled with the next free one). */
async function fillNewItem(page: Page, name: string) {
  await page.getByLabel('事项名称').fill(name);
  await page.getByLabel('审批部门').selectOption({ label: '住房城乡建设部门' });
  await page.getByLabel('相关审批事项').fill('城市更新项目实施方案审批');
  await page.getByLabel('设定依据').fill('《四川省城市更新条例》第十二条');
  await page.getByLabel('服务时限(工作日)').fill('20');
  await page.getByLabel('收费依据').fill('市场调节价');
  await page.getByLabel('变更理由').fill('新增省级事项(端到端测试)');
}

test('a regulator creates, adjusts and retires an item; the public catalogue follows', async ({ page }) => {
  const errors = watchErrors(page);
  await signIn(page, '/manage/items');
  await hydrated(page);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('服务事项清单维护');
  // only its own industry
  await expect(page.getByTestId('managed-count')).toBeVisible();
  const industries = await page.locator('table.managed-items tbody td:nth-child(3)').allTextContents();
  expect(industries.length).toBeGreaterThanOrEqual(7);
  for (const i of industries) expect(i).toBe('住房城乡建设');
  await expectAccessible(page);

  // new item: a bad field first, then the whole form
  await page.getByRole('link', { name: '新增事项' }).click();
  await expect(page).toHaveURL(/\/manage\/items\/new$/);
  await hydrated(page);
  const code = await page.getByLabel('事项编码').inputValue();
  expect(code).toMatch(/^ZJFW-\d{3}$/);
  const name = `城市更新策划咨询${Date.now() % 100000}`;
  await fillNewItem(page, name);
  // in force since yesterday, so that retiring it today leaves a page that was public
  await page.getByLabel('生效日期').fill(day(-1));
  await page.getByLabel('服务时限(工作日)').fill('0');
  await page.getByRole('button', { name: '创建事项' }).click();
  await expect(page.locator('#time_limit_days-error')).toHaveText('服务时限应为 1–365 之间的整数(工作日)。');
  await expectAccessible(page);
  await page.getByLabel('服务时限(工作日)').fill('20');
  await page.getByRole('button', { name: '创建事项' }).click();
  await expect(page).toHaveURL(new RegExp(`/manage/items/${code}/edit\\?saved=1$`));
  await expect(page.getByTestId('editor-notice')).toHaveText('已保存,当前为第 1 版。');

  // adjust the time limit
  await page.getByLabel('服务时限(工作日)').fill('15');
  await page.getByLabel('变更理由').fill('压缩服务时限');
  await page.getByRole('button', { name: '保存调整' }).click();
  await expect(page).toHaveURL(/saved=2$/);
  const history = page.getByTestId('item-history').locator('li');
  await expect(history).toHaveCount(2);
  await expect(history.first()).toContainText('服务时限(工作日)');
  await expect(history.first()).toContainText('压缩服务时限');

  // the public page lists it with its history (and names no one)
  await page.goto(`/items?q=${code}`);
  await expect(page.locator('.card.item h3')).toHaveText(name);
  await page.goto(`/items/${code}`);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(name);
  await expect(page.getByTestId('item-history').locator('li')).toHaveCount(2);
  await expect(page.getByTestId('item-history')).not.toContainText('操作人');

  // retire from today: gone from the list, the old link says 已废止
  await page.goto(`/manage/items/${code}/edit`);
  await hydrated(page);
  await page.getByLabel('废止日期').fill(day());
  await page.getByLabel('废止理由').fill('职能调整,不再作为中介服务事项');
  await page.getByRole('button', { name: '登记废止' }).click();
  await expect(page).toHaveURL(/retired=3$/);
  await expect(page.getByRole('heading', { level: 1 })).toContainText('已废止');
  await expect(page.getByRole('button', { name: '保存调整' })).toHaveCount(0);
  await page.goto(`/items?q=${code}`);
  await expect(page.getByTestId('item-count')).toHaveText('共 0 项');
  const res = await page.goto(`/items/${code}`);
  expect(res?.status()).toBe(200);
  await expect(page.getByTestId('item-state')).toContainText('已废止');
  await expect(page.getByTestId('item-state')).toContainText('职能调整');
  // the one refused submission (服务时限 0) answers 400, which the browser logs
  expect(errors.filter((e) => !e.includes('status of 400'))).toEqual([]);
});

test('a regulator cannot edit another industry’s item', async ({ page }) => {
  await signIn(page, '/manage/items');
  const res = await page.goto('/manage/items/ZJFW-001/edit'); // 发展改革
  expect(res?.status()).toBe(403);
  await expect(page.getByRole('alert')).toContainText('您没有权限执行此操作。');
  await expect(page.getByLabel('事项名称')).toHaveCount(0);
});

test('@nojs the editor works without JavaScript, errors next to the field', async ({ page }) => {
  await signIn(page, '/manage/items/new', false);
  const name = `无脚本事项${Date.now() % 100000}`;
  await fillNewItem(page, name);
  await page.getByLabel('设定依据').fill('');
  await page.getByRole('button', { name: '创建事项' }).click();
  await expect(page.locator('#legal_basis-error')).toHaveText('请填写设定依据(法律、法规或规章名称及条款)。');
  await fillNewItem(page, name);
  await page.getByRole('button', { name: '创建事项' }).click();
  await expect(page).toHaveURL(/\/edit\?saved=1$/);
  await expect(page.getByTestId('editor-notice')).toHaveText('已保存,当前为第 1 版。');
  await expect(page.getByLabel('事项名称')).toHaveValue(name);
});
