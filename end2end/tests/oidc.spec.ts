import { test, expect, Page, BrowserContext } from '@playwright/test';
import { watchErrors, hydrated, expectAccessible } from './helpers';

// The server runs with ZJCS_OIDC_* pointing at end2end/oidc-provider.mjs (started by
// scripts/test.sh), which approves at once and asserts its fixed test identity:
// a firm with a verified unified social credit code.
const FIRM = '四川统一认证测试咨询有限公司';
const BUTTON = '使用统一身份认证登录';

/** Clicks the button, passes the provider, comes back signed in at /account. */
async function signInThroughProvider(page: Page, context: BrowserContext) {
  const visited: string[] = [];
  page.on('request', (r) => { if (r.isNavigationRequest()) visited.push(r.url()); });
  await page.getByRole('link', { name: BUTTON }).click();
  await expect(page).toHaveURL(/\/account$/);
  await expect(page.locator('.user-name')).toHaveText(FIRM);
  // the round trip really went through the provider's /authorize and our callback
  expect(visited.some((u) => /\/authorize\?.*code_challenge=/.test(u))).toBe(true);
  expect(visited.some((u) => u.includes('/auth/oidc/callback?'))).toBe(true);
  // the session cookie is SameSite=Lax: sent on the provider's top-level redirect back
  const cookie = (await context.cookies()).find((c) => c.name === 'zjcs_session');
  expect(cookie?.sameSite).toBe('Lax');
  expect(cookie?.httpOnly).toBe(true);
}

test('unified identity: sign in through the provider and come back signed in', async ({ page, context }) => {
  const errors = watchErrors(page);
  await page.goto('/sign-in?next=/account');
  await hydrated(page);
  await expect(page.getByRole('link', { name: BUTTON })).toHaveAttribute('href', '/auth/oidc/start?next=%2Faccount');
  await expect(page.getByText('无需人工身份审核')).toBeVisible();
  await expectAccessible(page);
  await signInThroughProvider(page, context);
  await hydrated(page);
  await expect(page.locator('dd', { hasText: FIRM })).toBeVisible();
  // no password of its own: no password form, a note instead
  await expect(page.getByTestId('unified-identity')).toBeVisible();
  await expect(page.getByLabel('当前密码')).toHaveCount(0);
  expect(errors).toEqual([]);
});

test('@nojs unified identity sign-in works without JavaScript', async ({ page, context }) => {
  await page.goto('/sign-in?next=/account');
  await signInThroughProvider(page, context);
});

test('unified identity: a refused attempt explains itself on the sign-in page', async ({ page }) => {
  await page.goto('/sign-in?oidc_error=unverified');
  await hydrated(page);
  await expect(page.getByRole('alert')).toContainText('未提供经核验的统一社会信用代码');
  await expect(page.getByRole('link', { name: BUTTON })).toBeVisible();
  // password sign-in is still there
  await expect(page.getByLabel('密码')).toBeVisible();
  await expectAccessible(page);

  // a callback nobody started is refused with a message, not an error page
  await page.goto('/auth/oidc/callback?code=forged&state=forged');
  await expect(page).toHaveURL(/\/sign-in\?oidc_error=state$/);
  await expect(page.getByRole('alert')).toContainText('登录请求已失效');
});
