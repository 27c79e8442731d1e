import { test, expect, Page } from '@playwright/test';
import { watchErrors, hydrated, expectAccessible } from './helpers';

// The operator's trading settings (交易规则设置). The settings are global, so
// every test puts the defaults back afterwards: other specs publish announcements
// under them.
const OPERATOR = 'operator';
const PASSWORD = 'Zjcs-Demo-2026';
const PATH = '/operator/trading-settings';
const DEFAULTS = { min_publication_days: '3', min_participants: '3', publicity_days: '3', confirm_days: '2', abnormal_share_pct: '80', sign_days: '5' };

/** Whether the running test signed in as the operator (and so must restore the defaults). */
let changed = false;

async function signIn(page: Page, js = true) {
  changed = true;
  await page.goto(`/sign-in?next=${encodeURIComponent(PATH)}`);
  if (js) await hydrated(page);
  await page.getByLabel('用户名').fill(OPERATOR);
  await page.getByLabel('密码').fill(PASSWORD);
  await page.getByRole('button', { name: '登录', exact: true }).click();
  await expect(page).toHaveURL(new RegExp(`${PATH.replace(/[/]/g, '\\/')}$`));
}

test.afterEach(async ({ page }) => {
  if (!changed) return;
  changed = false;
  // the signed-in browser context's cookies go along; a non-browser request carries no Origin
  const res = await page.request.post('/api/trading/save_settings', { form: DEFAULTS, maxRedirects: 0 });
  expect(res.status()).toBeLessThan(400);
});

test('an operator changes the minimum participants; a bad value is named next to its field', async ({ page }) => {
  const errors = watchErrors(page);
  await signIn(page);
  await hydrated(page);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('交易规则设置');
  // linked among the operator's work pages
  await expect(page.locator(`header a[href="${PATH}"]`)).toHaveCount(1);
  // the defaults of the issue: 3 working days, 3 participants
  await expect(page.getByTestId('current-min_publication_days')).toHaveText('3 个工作日');
  await expect(page.getByTestId('current-min_participants')).toHaveText('3 家');
  await expect(page.getByLabel('最少参与单位数')).toHaveValue('3');
  await expectAccessible(page);

  // out of range: refused, named next to the field, nothing changes
  await page.getByLabel('最少参与单位数').fill('21');
  await page.getByRole('button', { name: '保存设置' }).click();
  await expect(page.locator('#min_participants-error')).toHaveText('最少参与单位数应为 1–20 之间的整数。');
  await expect(page.getByLabel('最少参与单位数')).toHaveValue('21');
  await expect(page.getByTestId('current-min_participants')).toHaveText('3 家');
  await expect(page.getByTestId('settings-saved')).toHaveCount(0);
  await expectAccessible(page);

  // a good value is saved and shown as in force
  await page.getByLabel('最少参与单位数').fill('5');
  await page.getByLabel('结果公示期(工作日)').fill('5');
  await page.getByRole('button', { name: '保存设置' }).click();
  await expect(page.getByTestId('settings-saved')).toHaveText('已保存,新设置已生效。');
  await expect(page.getByTestId('current-min_participants')).toHaveText('5 家');
  await expect(page.getByTestId('current-publicity_days')).toHaveText('5 个工作日');
  await expect(page.locator('#min_participants-error')).toHaveCount(0);
  // nothing wider than the screen (390px on the phone)
  expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0);

  // it stays after a reload
  await page.goto(PATH);
  await hydrated(page);
  await expect(page.getByLabel('最少参与单位数')).toHaveValue('5');
  await expect(page.getByTestId('current-min_participants')).toHaveText('5 家');
  // the one refused save answered HTTP 400, which the browser logs; nothing else
  expect(errors.filter((e) => !e.includes('status of 400'))).toEqual([]);
  expect(errors.length).toBe(1);
});

test('a regulator is told the page is not for it', async ({ page }) => {
  await page.goto(`/sign-in?next=${encodeURIComponent(PATH)}`);
  await hydrated(page);
  await page.getByLabel('用户名').fill('regulator');
  await page.getByLabel('密码').fill(PASSWORD);
  await page.getByRole('button', { name: '登录', exact: true }).click();
  await expect(page).toHaveURL(new RegExp(`${PATH.replace(/[/]/g, '\\/')}$`));
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('交易规则设置');
  await expect(page.getByText('您没有权限执行此操作。')).toBeVisible();
  await expect(page.getByLabel('最少参与单位数')).toHaveCount(0);
  await expect(page.locator(`header a[href="${PATH}"]`)).toHaveCount(0);
});

test('@nojs the settings form works without JavaScript, errors next to the field', async ({ page }) => {
  await signIn(page, false);
  await page.getByLabel('最短公告期(工作日)').fill('0');
  await page.getByRole('button', { name: '保存设置' }).click();
  await expect(page.locator('#min_publication_days-error')).toHaveText('最短公告期应为 1–30 之间的整数(工作日)。');
  await expect(page.getByTestId('current-min_publication_days')).toHaveText('3 个工作日');
  await page.getByLabel('最短公告期(工作日)').fill('5');
  await page.getByRole('button', { name: '保存设置' }).click();
  await expect(page).toHaveURL(/saved=1$/);
  await expect(page.getByTestId('settings-saved')).toBeVisible();
  await expect(page.getByTestId('current-min_publication_days')).toHaveText('5 个工作日');
  await expect(page.getByLabel('最短公告期(工作日)')).toHaveValue('5');
});
