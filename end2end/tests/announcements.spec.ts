import { test, expect, Page } from '@playwright/test';
import { watchErrors, hydrated, expectAccessible, num } from './helpers';

// The public trading pages: the list of selection announcements (选取公告) and
// one announcement's page. The demo market has thousands of procurements in
// every state (created by the demo loader, without draws or sealed quotes).
const PASSWORD = 'Zjcs-Demo-2026';

const count = async (page: Page) => num(await page.getByTestId('announcement-count').textContent());
const rows = (page: Page) => page.locator('tr.announcement-row');

/** No horizontal scrolling on a phone. */
async function fitsPhone(page: Page) {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(0);
}

async function signIn(page: Page, username: string, next: string) {
  await page.goto(`/sign-in?next=${encodeURIComponent(next)}`);
  await hydrated(page);
  await page.getByLabel('用户名').fill(username);
  await page.getByLabel('密码').fill(PASSWORD);
  await page.getByRole('button', { name: '登录', exact: true }).click();
  await expect(page).toHaveURL((u) => u.pathname + u.search === next);
}

test('announcement list: filters narrow the results, live in the URL and survive a reload', async ({ page }) => {
  const errors = watchErrors(page);
  await page.goto('/announcements');
  await hydrated(page);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('选取公告');
  const all = await count(page);
  expect(all).toBeGreaterThan(1000);
  await expect(rows(page)).toHaveCount(20);

  await page.getByLabel('选取方式').selectOption({ label: '随机抽取' });
  await page.getByLabel('状态').selectOption({ label: '正在报名/报价' });
  await page.getByRole('button', { name: '搜索' }).click();
  await expect(page).toHaveURL(/method=random_draw/);
  await expect(page).toHaveURL(/status=open/);
  await expect.poll(() => count(page)).toBeLessThan(all);
  const narrowed = await count(page);
  expect(narrowed).toBeGreaterThan(0);
  for (const m of await rows(page).locator('td:nth-child(2)').allTextContents()) expect(m).toBe('随机抽取');
  for (const s of await rows(page).locator('td:nth-child(3)').allTextContents()) expect(s).toBe('公告中');

  // the filters survive a reload (they are the URL)
  await page.reload();
  await hydrated(page);
  await expect(page.getByLabel('选取方式')).toHaveValue('random_draw');
  await expect(page.getByLabel('状态')).toHaveValue('open');
  expect(await count(page)).toBe(narrowed);

  // a project code finds exactly its announcement
  const code = ((await rows(page).first().locator('.code').textContent()) ?? '').split(' · ')[0].trim();
  expect(code).toMatch(/^ZJ\d{11}$/);
  await page.getByLabel('项目名称或编号').fill(code);
  await page.getByRole('button', { name: '搜索' }).click();
  await expect(page).toHaveURL(new RegExp(`q=${code}`));
  await expect(rows(page)).toHaveCount(1);
  await expect(rows(page).first()).toContainText(code);

  // nothing found: the empty state; and the pager keeps the filters
  await page.getByLabel('项目名称或编号').fill('没有这样的项目名称');
  await page.getByRole('button', { name: '搜索' }).click();
  await expect(page.locator('.empty')).toContainText('没有符合条件的选取公告');
  await page.goto('/announcements?status=selected');
  await hydrated(page);
  await page.getByRole('navigation', { name: '分页' }).getByRole('link', { name: '下一页' }).click();
  await expect(page).toHaveURL(/status=selected/);
  await expect(page).toHaveURL(/page=2/);
  for (const s of await rows(page).locator('td:nth-child(3)').allTextContents()) expect(s).toBe('已选定');
  await expectAccessible(page);

  expect(errors).toEqual([]);

  // a bad filter value is explained (HTTP 400), not a crash
  const bad = await page.goto('/announcements?method=lottery');
  expect(bad?.status()).toBe(400);
  await expect(page.getByRole('alert')).toContainText('选取方式不存在');
});

test('open an announcement from the list: facts, countdown, participant count only', async ({ page }) => {
  const errors = watchErrors(page);
  await page.goto('/announcements?status=open&method=random_draw');
  await hydrated(page);
  const link = rows(page).first().locator('td a').first();
  const title = (await link.textContent()) ?? '';
  await link.click();
  await expect(page).toHaveURL(/\/announcements\/ZJ\d{11}$/);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(title);
  for (const label of ['项目编号', '项目业主', '服务事项', '资金来源', '资质要求', '选取方式', '截止时间', '联系人']) {
    await expect(page.locator('.announcement-head dt', { hasText: label }).first()).toBeVisible();
  }
  await expect(page.getByTestId('budget')).toContainText('¥');
  // the countdown ticks in the browser
  const countdown = page.getByTestId('countdown');
  await expect(countdown).toBeVisible();
  const before = await countdown.textContent();
  await expect.poll(() => countdown.textContent(), { timeout: 5_000 }).not.toBe(before);
  expect(num(await page.getByTestId('participant-count').textContent())).toBeGreaterThanOrEqual(0);
  // before the deadline: no names, no amounts, no result
  await expect(page.getByTestId('quotes')).toHaveCount(0);
  await expect(page.getByTestId('candidates')).toHaveCount(0);
  await expect(page.getByTestId('award')).toHaveCount(0);
  // anonymous visitors are asked to sign in to take part
  await expect(page.locator('.sign-in-hint')).toBeVisible();
  await expect(page.getByRole('heading', { name: '项目进程' })).toBeVisible();
  await expectAccessible(page);
  expect(errors).toEqual([]);

  const missing = await page.goto('/announcements/ZJ209912999999');
  expect(missing?.status()).toBe(404);
  await expect(page.getByRole('alert')).toBeVisible();
});

test('a selected demo announcement shows its award, ranking and opened quotes', async ({ page }) => {
  const errors = watchErrors(page);
  await page.goto('/announcements?status=selected&method=price_competition');
  await hydrated(page);
  await rows(page).first().locator('td a').first().click();
  await expect(page).toHaveURL(/\/announcements\/ZJ\d{11}$/);
  const award = page.getByTestId('award');
  await expect(award).toBeVisible();
  await expect(page.getByTestId('award-firm')).not.toBeEmpty();
  await expect(page.getByTestId('award-amount')).toContainText('¥');
  // the lowest opened quote is the award
  const quotes = page.getByTestId('quotes');
  await expect(quotes).toBeVisible();
  const amounts = (await quotes.locator('tbody tr td:nth-child(2)').allTextContents()).map(num);
  expect(amounts.length).toBeGreaterThanOrEqual(3);
  expect(num(await page.getByTestId('award-amount').textContent())).toBe(Math.min(...amounts));
  await expect(page.getByTestId('countdown')).toHaveCount(0);
  await expectAccessible(page);
  expect(errors).toEqual([]);
});

test('@phone the list is one card per announcement and the page fits a 390px screen', async ({ page }) => {
  const errors = watchErrors(page);
  await page.goto('/announcements');
  await hydrated(page);
  // the table's header row is visually hidden; each row is a card with labelled cells
  const head = await page.locator('table.announcements-table thead').boundingBox();
  expect(head!.height).toBeLessThanOrEqual(1);
  const first = rows(page).first();
  const box = await first.boundingBox();
  expect(box!.width).toBeGreaterThan(300);
  expect(await first.evaluate((el) => getComputedStyle(el).display)).toBe('block');
  await fitsPhone(page);
  // the filters are usable on the phone
  await page.getByLabel('状态').selectOption({ label: '已选定' });
  await page.getByRole('button', { name: '搜索' }).click();
  await expect(page).toHaveURL(/status=selected/);
  await first.locator('td a').first().click();
  await expect(page.getByTestId('award')).toBeVisible();
  await fitsPhone(page);
  await expectAccessible(page);
  expect(errors).toEqual([]);
});

test('@nojs list filters and the announcement page work without JavaScript', async ({ page }) => {
  await page.goto('/announcements');
  await expect(page.locator('body')).not.toHaveAttribute('data-hydrated', 'true');
  const all = await count(page);
  await page.getByLabel('选取方式').selectOption({ label: '竞价选取' });
  await page.getByLabel('状态').selectOption({ label: '已选定' });
  await page.getByRole('button', { name: '搜索' }).click();
  await expect(page).toHaveURL(/method=price_competition/);
  await expect(page).toHaveURL(/status=selected/);
  await expect(page.getByLabel('选取方式')).toHaveValue('price_competition');
  expect(await count(page)).toBeLessThan(all);
  for (const m of await rows(page).locator('td:nth-child(2)').allTextContents()) expect(m).toBe('竞价选取');
  await page.getByRole('navigation', { name: '分页' }).getByRole('link', { name: '下一页' }).click();
  await expect(page).toHaveURL(/page=2/);
  await rows(page).first().locator('td a').first().click();
  await expect(page.getByTestId('award')).toBeVisible();
  await expect(page.getByTestId('quotes')).toBeVisible();
  await expect(page.getByTestId('timeline').or(page.locator('.timeline .empty'))).toBeVisible();
  // an open one shows the time left as rendered by the server
  await page.goto('/announcements?status=open');
  await rows(page).first().locator('td a').first().click();
  await expect(page.getByTestId('countdown')).toHaveText(/\d{2}:\d{2}:\d{2}/);
});

test('a signed-in firm sees the matches-my-firm view, its eligibility, and registers then withdraws', async ({ page }) => {
  const errors = watchErrors(page);
  await page.goto('/announcements');
  await hydrated(page);
  await expect(page.getByLabel('与我单位匹配')).toHaveCount(0);

  await signIn(page, 'firm', '/announcements?status=open&method=random_draw');
  const open = await count(page);
  await page.getByLabel('与我单位匹配').check();
  await page.getByRole('button', { name: '搜索' }).click();
  await expect(page).toHaveURL(/mine=true/);
  await expect.poll(() => count(page)).toBeLessThanOrEqual(open);
  expect(await count(page), 'the deterministic demo has an open random draw in the demo firm scope').toBeGreaterThan(0);
  await rows(page).first().locator('td a').first().click();
  await expect(page).toHaveURL(/\/announcements\/ZJ\d{11}$/);
  await hydrated(page);
  const panel = page.getByTestId('my-part');
  await expect(panel).toBeVisible();
  await expect(page.getByTestId('eligibility')).toBeVisible();
  await expect(page.getByTestId('eligibility'), 'the demo firm is eligible for its first matching draw').not.toHaveClass(/warn/);
  const participants = num(await page.getByTestId('participant-count').textContent());
  const register = panel.getByRole('button', { name: '报名', exact: true });
  if (await register.count()) {
    await register.click();
    await expect(page.getByTestId('my-participation')).toHaveText('已报名');
    await expect.poll(async () => num(await page.getByTestId('participant-count').textContent())).toBe(participants + 1);
  }
  await panel.getByRole('button', { name: '撤回' }).click();
  await expect(page.getByTestId('my-participation')).toHaveText('已撤回');
  await expect(panel.getByRole('button', { name: '报名', exact: true })).toBeVisible();
  await expectAccessible(page);
  expect(errors).toEqual([]);
});

test('@nojs a firm registers and withdraws without JavaScript (the forms post and come back)', async ({ page }) => {
  await page.goto(`/sign-in?next=${encodeURIComponent('/announcements?mine=true&status=open&method=random_draw')}`);
  await page.getByLabel('用户名').fill('firm.b');
  await page.getByLabel('密码').fill(PASSWORD);
  await page.getByRole('button', { name: '登录', exact: true }).click();
  await expect(page).toHaveURL(/mine=true/);
  await expect(page.getByLabel('与我单位匹配')).toBeChecked();
  expect(await count(page), 'the deterministic demo has an open random draw in the demo firm scope').toBeGreaterThan(0);
  await rows(page).first().locator('td a').first().click();
  const panel = page.getByTestId('my-part');
  await expect(panel).toBeVisible();
  await expect(page.getByTestId('eligibility'), 'the demo firm is eligible for its first matching draw').not.toHaveClass(/warn/);
  const register = panel.getByRole('button', { name: '报名', exact: true });
  if (await register.count()) {
    const before = num(await page.getByTestId('participant-count').textContent());
    await register.click();
    await expect(page.getByTestId('my-participation')).toHaveText('已报名');
    expect(num(await page.getByTestId('participant-count').textContent())).toBe(before + 1);
  }
  await panel.getByRole('button', { name: '撤回' }).click();
  await expect(page.getByTestId('my-participation')).toHaveText('已撤回');
});
