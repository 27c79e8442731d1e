import { test, expect, Page } from '@playwright/test';
import { hydrated, signIn, watchErrors } from './helpers';

// Security headers (issue #10): every page is served with a Content-Security-Policy
// that runs no inline script without the response's nonce, and the real pages —
// hydration, charts, live updates, the leader's dashboard, Swagger UI — still work
// under it: the browser reports no violation.

/** Records every CSP violation the page reports (set up before the first navigation). */
async function watchViolations(page: Page): Promise<() => Promise<string[]>> {
  await page.addInitScript(() => {
    (window as any).__csp = [];
    document.addEventListener('securitypolicyviolation', (e) =>
      (window as any).__csp.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`));
  });
  return async () => page.evaluate(() => (window as any).__csp as string[]);
}

test('pages carry a nonce-based policy and the security headers', async ({ page }) => {
  const res = await page.goto('/announcements');
  const h = res!.headers();
  const csp = h['content-security-policy'];
  const nonce = /'nonce-([A-Za-z0-9_-]+)'/.exec(csp)?.[1];
  expect(nonce, csp).toBeTruthy();
  expect(csp).not.toMatch(/script-src[^;]*'unsafe-inline'/);
  expect(csp).toContain("frame-ancestors 'none'");
  expect(h['x-content-type-options']).toBe('nosniff');
  expect(h['referrer-policy']).toBe('strict-origin-when-cross-origin');
  expect(h['x-frame-options']).toBe('DENY');
  // every inline script of the page carries this response's nonce
  const html = await res!.text();
  const inline = [...html.matchAll(/<script(?![^>]*\bsrc=)([^>]*)>/g)].map((m) => m[1]);
  expect(inline.length).toBeGreaterThan(0);
  for (const attrs of inline) expect(attrs).toContain(`nonce="${nonce}"`);
  // a new response, a new nonce
  const again = await page.request.get('/announcements');
  expect(again.headers()['content-security-policy']).not.toContain(nonce!);
});

test('hydration, charts, the dashboard and Swagger UI run without a policy violation', async ({ page }) => {
  const errors = watchErrors(page);
  const violations = await watchViolations(page);
  for (const path of ['/', '/announcements', '/firms', '/stats']) {
    await page.goto(path);
    await hydrated(page);
    expect(await violations(), path).toEqual([]);
  }
  await expect(page.locator('.chart canvas').first()).toBeVisible();
  await signIn(page, 'leader');
  await expect(page).toHaveURL(/\/dashboard$/);
  await hydrated(page);
  await expect(page.locator('.chart canvas').first()).toBeVisible();
  expect(await violations(), '/dashboard').toEqual([]);
  await page.goto('/api/v1/docs/');
  await expect(page.locator('.opblock-summary-path').first()).toBeVisible();
  expect(await violations(), 'Swagger UI').toEqual([]);
  expect(errors.filter((e) => /Content Security Policy|Refused to/.test(e))).toEqual([]);
});

test('an inline script without the nonce is refused', async ({ page }) => {
  const violations = await watchViolations(page);
  await page.goto('/');
  await hydrated(page);
  // what an injected <script> would be: the policy blocks it
  const ran = await page.evaluate(() => {
    (window as any).__injected = false;
    const s = document.createElement('script');
    s.textContent = 'window.__injected = true';
    document.body.appendChild(s);
    return (window as any).__injected;
  });
  expect(ran).toBe(false);
  await expect.poll(violations).toEqual([expect.stringContaining('script-src')]);
});
