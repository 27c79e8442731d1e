import { test, expect, devices, Browser, Page } from '@playwright/test';
import { hydrated } from './helpers';

// Shared by the specs that run against the trading server, whose clock the tests
// move forward (scripts/test.sh starts it with --test-clock and passes TRADING_URL).
export const BASE = process.env.TRADING_URL ?? process.env.BASE_URL ?? 'http://127.0.0.1:3000';
export const PASSWORD = 'Zjcs-Demo-2026';
export const FIRMS = ['firm', 'firm.b', 'firm.c', 'firm.d'];
export const DAY = 86_400_000;
// a minimal PDF that passes the content check (as `files::testing::PDF`)
export const PDF = Buffer.from('%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');

/** A phone, whatever the running project's device (for "one party on a phone"). */
export const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2, userAgent: devices['Pixel 7'].userAgent };

/** A signed-in user in a browser context of its own, sized like the running
 * project's device unless `device` says otherwise. */
export async function userPage(browser: Browser, username: string, device?: { viewport: { width: number; height: number }; isMobile?: boolean; hasTouch?: boolean; deviceScaleFactor?: number; userAgent?: string }): Promise<Page> {
  const u = device ?? (test.info().project.use as any);
  const ctx = await browser.newContext({
    baseURL: BASE, locale: 'zh-CN', viewport: u.viewport, isMobile: u.isMobile, hasTouch: u.hasTouch,
    deviceScaleFactor: u.deviceScaleFactor, userAgent: u.userAgent,
  });
  const page = await ctx.newPage();
  await page.goto('/sign-in?next=%2Faccount');
  await hydrated(page);
  await page.getByLabel('用户名').fill(username);
  await page.getByLabel('密码').fill(PASSWORD);
  await page.getByRole('button', { name: '登录', exact: true }).click();
  await expect(page).toHaveURL(/\/account$/);
  return page;
}

/** Moves the trading server's clock; returns its new time (epoch ms). */
export async function advance(page: Page, ms: number): Promise<number> {
  const r = await page.request.post(`/__test/clock?advance_ms=${Math.round(ms)}`);
  expect(r.ok()).toBeTruthy();
  return Number(await r.text());
}

/** `YYYY-MM-DDTHH:MM` in Asia/Shanghai. */
export function local(ms: number): string {
  return new Date(ms + 8 * 3_600_000).toISOString().slice(0, 16);
}

/** An item every demo firm account offers, and the owner's own region. */
export async function target(owner: Page, firm: Page): Promise<{ item: string; region: string }> {
  const me = await (await firm.request.post('/api/accounts/me')).json();
  const list = await (await firm.request.post('/api/firms/list', { form: { 'query[q]': me.display_name } })).json();
  const profile = await (await firm.request.post('/api/firms/profile', { form: { credit_code: list.items[0].credit_code } })).json();
  const options = await (await owner.request.post('/api/trading/options')).json();
  const offered = new Set(options.items.map((i: [string, string]) => i[0]));
  const item = profile.scope.map((s: any) => s.item_code).find((c: string) => offered.has(c));
  expect(item, 'the demo firm offers an item in force').toBeTruthy();
  return { item, region: options.regions[0][0] };
}

/** The firm account's credit code. */
export async function creditCode(firm: Page): Promise<string> {
  const me = await (await firm.request.post('/api/accounts/me')).json();
  const list = await (await firm.request.post('/api/firms/list', { form: { 'query[q]': me.display_name } })).json();
  return list.items[0].credit_code;
}

/** Publishes an announcement as the owner (through the same server function the form posts to). */
export async function publish(owner: Page, firm: Page, method: string, extra: Record<string, string> = {}): Promise<{ code: string; deadline: number }> {
  const { item, region } = await target(owner, firm);
  const now = await advance(owner, 0);
  const deadline = now + 7 * DAY;
  const form: Record<string, string> = {
    'form[title]': `浏览器测试项目（${method}）`, 'form[project_code]': `E2E-${method}-${now}`,
    'form[item_code]': item, 'form[region_code]': region, 'form[funding]': 'social', 'form[budget]': '100000',
    'form[scope]': '按合同约定提供服务', 'form[match_mode]': 'any',
    'form[req_type_1]': '', 'form[req_grade_1]': '', 'form[req_type_2]': '', 'form[req_grade_2]': '',
    'form[req_type_3]': '', 'form[req_grade_3]': '',
    'form[service_days]': '20', 'form[deadline]': local(deadline), 'form[method]': method,
    'form[contact_name]': '王工', 'form[contact_phone]': '13800000000',
    'form[price_weight]': '40', 'form[criteria]': '技术方案:40\n服务团队:20',
    'form[direct_firm]': '', 'form[direct_reason]': '', publish: '1', ...extra,
  };
  const r = await owner.request.post('/api/trading/save', { form });
  expect(r.ok(), await r.text()).toBeTruthy();
  return { code: await r.json(), deadline };
}

/** Opens an announcement and waits for hydration. */
export async function open(page: Page, code: string) {
  await page.goto(`/announcements/${code}`);
  await hydrated(page);
}
