import { test, expect, Page } from '@playwright/test';
import { hydrated, watchErrors } from './helpers';
import { BASE, PASSWORD, userPage } from './trading-helpers';

// In-app notifications (站内通知), end to end. Nothing in the UI creates a
// notification by itself: the time-limit refresh the server runs (监察灯,
// db::timelimits) notifies the responsible parties when a stage's light turns
// yellow or red. In the demo market the provincial regulator (department stages
// of its industry) is such a party; the demo owner account has no late stage, so
// these tests use the regulator. The bell in the header shows the unread count,
// /notifications lists them newest first, marking one (or all) read lowers it.
// The projects run one after the other on the same server: desktop and phone
// each mark one read, desktop without JavaScript marks the rest.
test.use({ baseURL: BASE });
test.describe.configure({ mode: 'serial' });

async function unread(page: Page): Promise<number> {
  const r = await page.request.post('/api/notifications/unread_count');
  expect(r.ok()).toBeTruthy();
  return Number(await r.text());
}

/** Waits (at most a minute) until the server's refresh has notified the user. */
async function waitForUnread(page: Page, atLeast: number): Promise<number> {
  let n = 0;
  await expect.poll(async () => (n = await unread(page)), { timeout: 60_000, intervals: [1_000] }).toBeGreaterThanOrEqual(atLeast);
  return n;
}

/** The counts the notifications page states: "共 N 条通知，未读 M 条". */
async function shown(page: Page): Promise<{ total: number; unread: number }> {
  const text = await page.getByTestId('notifications-count').innerText();
  const m = text.match(/共 (\d+) 条通知，未读 (\d+) 条/);
  expect(m, text).toBeTruthy();
  return { total: Number(m![1]), unread: Number(m![2]) };
}

/** The bell's figure (99+ counts as 100). */
async function bellFigure(page: Page): Promise<number> {
  const text = (await page.getByTestId('bell-count').innerText()).trim();
  return text === '99+' ? 100 : Number(text);
}

// The server's refresh may notify again at any moment (lights keep turning as
// real time passes), so unread counts are checked as ranges: at least what the
// API said before, at most what it says after. What only this test changes is
// the number read (total − unread): marking one read adds exactly one.
test('the regulator sees unread notifications on the bell and marks one read', async ({ browser }) => {
  const user = await userPage(browser, 'regulator');
  const errors = watchErrors(user);
  const before = await waitForUnread(user, 1);

  await user.goto('/');
  await hydrated(user);
  // in the header row itself: on a phone too, without opening the menu
  const bell = user.getByTestId('bell');
  await expect(bell).toBeVisible();
  await expect(user.locator('.site-nav')).toBeVisible({ visible: !test.info().project.name.startsWith('phone') });
  const onBell = await bellFigure(user);
  expect(onBell).toBeGreaterThanOrEqual(Math.min(before, 100));
  expect(onBell).toBeLessThanOrEqual(Math.min(await unread(user), 100));
  await bell.click();
  await expect(user).toHaveURL(/\/notifications$/);
  await hydrated(user);
  await expect(user.getByRole('heading', { name: '通知', level: 1 })).toBeVisible();
  const first = await shown(user);
  expect(first.unread).toBeGreaterThanOrEqual(before);
  expect(first.unread).toBeLessThanOrEqual(await unread(user));

  // an unread one has its light, a mark-read button and a link to its subject
  const item = user.locator('[data-testid="notification"][data-read="false"]').first();
  await expect(item).toBeVisible();
  await expect(item.getByTestId('notification-state')).toHaveText('未读');
  await expect(item.locator('.kind-tag')).toHaveText(/黄灯|红灯/);
  await expect(item.locator('.notification-title')).not.toBeEmpty();
  const id = await item.getAttribute('data-id');

  await item.getByTestId('mark-read').click();
  await expect(user.locator(`input[name="id"][value="${id}"]`)).toHaveCount(0); // its form is gone once it is read
  await expect(user.locator(`[data-testid="notification"][data-id="${id}"]`)).toHaveAttribute('data-read', 'true');
  await expect.poll(async () => { const c = await shown(user); return c.total - c.unread; }).toBe(first.total - first.unread + 1);
  const now = await shown(user);
  if (now.unread > 0) {
    await expect.poll(() => bellFigure(user)).toBe(Math.min(now.unread, 100));
  } else {
    await expect(user.getByTestId('bell-count')).toHaveCount(0);
  }
  expect(await unread(user)).toBeGreaterThanOrEqual(now.unread);
  expect(errors).toEqual([]);
});

test('@nojs marking all notifications read works without JavaScript', async ({ page }) => {
  // once is enough: nothing is left unread for the phone project
  test.skip(test.info().project.name !== 'desktop-nojs', 'desktop only');
  await page.goto('/sign-in?next=' + encodeURIComponent('/notifications'));
  await page.getByLabel('用户名').fill('regulator');
  await page.getByLabel('密码').fill(PASSWORD);
  await page.getByRole('button', { name: '登录', exact: true }).click();
  await expect(page).toHaveURL(/\/notifications$/);
  const before = await waitForUnread(page, 1);
  await page.reload();
  const counts = await shown(page);
  expect(counts.unread).toBeGreaterThanOrEqual(before);
  expect(await bellFigure(page)).toBe(Math.min(counts.unread, 100));
  await page.getByTestId('mark-all-read').click();
  await expect(page).toHaveURL(/\/notifications/);
  await expect(page.getByTestId('notifications-count')).toContainText('未读 0 条');
  await expect(page.locator('[data-testid="notification"][data-read="false"]')).toHaveCount(0);
  await expect(page.getByTestId('mark-all-read')).toHaveCount(0);
  await expect(page.getByTestId('bell-count')).toHaveCount(0);
});

test('a user sets the e-mail address notifications are also sent to; a bad one is refused in Chinese', async ({ browser }) => {
  const operator = await userPage(browser, 'operator');
  const errors = watchErrors(operator);
  await operator.goto('/account');
  await hydrated(operator);
  const form = operator.locator('section.notification-email');
  await form.getByLabel('电子邮箱').fill('不是邮箱');
  await form.getByRole('button', { name: '保存邮箱' }).click();
  await expect(form.getByText('请输入有效的电子邮箱，例如 name@example.com。')).toBeVisible();
  const address = `operator.${test.info().project.name}@example.com`;
  await form.getByLabel('电子邮箱').fill(address);
  await form.getByRole('button', { name: '保存邮箱' }).click();
  await expect(form.getByText('邮箱已保存。')).toBeVisible();
  await operator.reload();
  await hydrated(operator);
  await expect(operator.locator('section.notification-email').getByLabel('电子邮箱')).toHaveValue(address);
  // the refused address is answered 400 on purpose; nothing else may fail
  expect(errors.filter((e) => !e.includes('status of 400'))).toEqual([]);
});
