import { expect, Page } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';

/** Collects console errors and uncaught page errors. */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  // each error names the page it happened on
  page.on('console', (m) => { if (m.type() === 'error') errors.push(`${m.text()} @ ${page.url()}`); });
  page.on('pageerror', (e) => errors.push(`${String(e)} @ ${page.url()}`));
  return errors;
}

/** Waits until the WASM has hydrated the page (the debug bundle is ~6 MB; on a
 * busy 2-core machine compiling it can take several seconds). */
export async function hydrated(page: Page) {
  await expect(page.locator('body')).toHaveAttribute('data-hydrated', 'true', { timeout: 45_000 });
}

/** No serious or critical axe-core violation on the current page. */
export async function expectAccessible(page: Page) {
  const results = await new AxeBuilder({ page }).analyze();
  const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(bad.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`)).toEqual([]);
}

export const num = (s: string | null) => Number((s ?? '').replace(/[^0-9.]/g, ''));

/** Signs in through the sign-in form (demo accounts share one password). */
export async function signIn(page: Page, username: string, password = 'Zjcs-Demo-2026') {
  await page.goto('/sign-in');
  await hydrated(page);
  await page.getByLabel('用户名').fill(username);
  await page.getByLabel('密码').fill(password);
  await page.getByRole('button', { name: '登录', exact: true }).click();
}
