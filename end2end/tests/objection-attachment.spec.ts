import { test, expect, Browser, Page } from '@playwright/test';
import { hydrated, watchErrors } from './helpers';

// Objections (质疑) with an attachment, against the trading server whose clock
// the test moves forward (TRADING_URL): after a random draw, a firm that was not
// selected objects with a PDF (with JavaScript, and another firm without it);
// the owner of the procurement opens the attachment, the public cannot.
const BASE = process.env.TRADING_URL ?? process.env.BASE_URL ?? 'http://127.0.0.1:3000';
test.use({ baseURL: BASE });
test.describe.configure({ mode: 'serial' });

const PASSWORD = 'Zjcs-Demo-2026';
const FIRMS = ['firm', 'firm.b', 'firm.c', 'firm.d'];
const DAY = 86_400_000;
// a minimal PDF that passes the content check (as `files::testing::PDF`)
const PDF = Buffer.from('%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');

async function userPage(browser: Browser, username: string): Promise<Page> {
  const u = test.info().project.use as any;
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
async function advance(page: Page, ms: number): Promise<number> {
  const r = await page.request.post(`/__test/clock?advance_ms=${Math.round(ms)}`);
  expect(r.ok()).toBeTruthy();
  return Number(await r.text());
}

/** `YYYY-MM-DDTHH:MM` in Asia/Shanghai. */
function local(ms: number): string {
  return new Date(ms + 8 * 3_600_000).toISOString().slice(0, 16);
}

/** An item every demo firm account offers, and the owner's own region. */
async function target(owner: Page, firm: Page): Promise<{ item: string; region: string }> {
  const me = await (await firm.request.post('/api/accounts/me')).json();
  const list = await (await firm.request.post('/api/firms/list', { form: { 'query[q]': me.display_name } })).json();
  const profile = await (await firm.request.post('/api/firms/profile', { form: { credit_code: list.items[0].credit_code } })).json();
  const options = await (await owner.request.post('/api/trading/options')).json();
  const offered = new Set(options.items.map((i: [string, string]) => i[0]));
  const item = profile.scope.map((s: any) => s.item_code).find((c: string) => offered.has(c));
  expect(item, 'the demo firm offers an item in force').toBeTruthy();
  return { item, region: options.regions[0][0] };
}

/** Publishes a random-draw announcement as the owner (the server function the form posts to). */
async function publish(owner: Page, firm: Page): Promise<{ code: string; deadline: number }> {
  const { item, region } = await target(owner, firm);
  const now = await advance(owner, 0);
  const deadline = now + 7 * DAY;
  const form: Record<string, string> = {
    'form[title]': '浏览器测试项目（质疑附件）', 'form[project_code]': `E2E-objection-${now}`,
    'form[item_code]': item, 'form[region_code]': region, 'form[funding]': 'social', 'form[budget]': '100000',
    'form[scope]': '按合同约定提供服务', 'form[match_mode]': 'any',
    'form[req_type_1]': '', 'form[req_grade_1]': '', 'form[req_type_2]': '', 'form[req_grade_2]': '',
    'form[req_type_3]': '', 'form[req_grade_3]': '',
    'form[service_days]': '20', 'form[deadline]': local(deadline), 'form[method]': 'random_draw',
    'form[contact_name]': '王工', 'form[contact_phone]': '13800000000',
    'form[price_weight]': '40', 'form[criteria]': '技术方案:40\n服务团队:20',
    'form[direct_firm]': '', 'form[direct_reason]': '', publish: '1',
  };
  const r = await owner.request.post('/api/trading/save', { form });
  expect(r.ok(), await r.text()).toBeTruthy();
  return { code: await r.json(), deadline };
}

async function open(page: Page, code: string) {
  await page.goto(`/announcements/${code}`);
  await hydrated(page);
}

test('a firm that was not selected objects with a PDF; the owner opens it, the public cannot', async ({ browser, playwright }) => {
  const owner = await userPage(browser, 'owner');
  const firms = await Promise.all(FIRMS.map((u) => userPage(browser, u)));
  const errors = watchErrors(firms[0]);
  const { code, deadline } = await publish(owner, firms[0]);
  for (const f of firms) {
    const r = await f.request.post('/api/trading/register', { form: { code } });
    expect(r.ok(), await r.text()).toBeTruthy();
  }
  await advance(owner, deadline - (await advance(owner, 0)) + 60_000);

  // the firms that may object (all but the selected one)
  const objectors: Page[] = [];
  for (const f of firms) {
    await open(f, code);
    await expect(f.getByTestId('my-participation')).toBeVisible();
    if (await f.locator('details.object').count()) objectors.push(f);
  }
  expect(objectors.length).toBe(3);
  const selected = firms.find((f) => !objectors.includes(f))!;

  // with JavaScript: a disguised file is refused and the typed reason stays; then a real PDF
  const first = objectors[0];
  await first.locator('details.object > summary').click();
  const reason = '中选单位的业绩材料与事实不符，详见附件';
  await first.getByLabel('质疑理由').fill(reason);
  await first.getByLabel('附件（可选）').setInputFiles({ name: '证据.pdf', mimeType: 'application/pdf', buffer: Buffer.from('<html>not a pdf</html>') });
  await first.getByRole('button', { name: '提交质疑' }).click();
  await expect(first.getByRole('alert').filter({ hasText: '只能上传 PDF、JPG 或 PNG 文件' })).toBeVisible();
  await expect(first.getByLabel('质疑理由')).toHaveValue(reason);
  await first.getByLabel('附件（可选）').setInputFiles({ name: '业绩证明.pdf', mimeType: 'application/pdf', buffer: PDF });
  await first.getByRole('button', { name: '提交质疑' }).click();
  const mine = first.getByTestId('objection').filter({ hasText: reason });
  await expect(mine).toBeVisible({ timeout: 20_000 });
  const link = mine.getByRole('link', { name: '附件' });
  await expect(link).toBeVisible();
  const href = (await link.getAttribute('href'))!;
  expect(href).toMatch(/^\/files\/\d+$/);

  // without JavaScript: the same form posts and comes back to the page
  const second = objectors[1];
  const noJs = await browser.newContext({ baseURL: BASE, locale: 'zh-CN', javaScriptEnabled: false, storageState: await second.context().storageState() });
  const plain = await noJs.newPage();
  await plain.goto(`/announcements/${code}`);
  await plain.locator('details.object > summary').click();
  await plain.getByLabel('质疑理由').fill('短');
  await plain.getByRole('button', { name: '提交质疑' }).click();
  await expect(plain.getByRole('alert').filter({ hasText: /质疑理由/ })).toBeVisible();
  await plain.getByLabel('质疑理由').fill('抽取结果公示信息不完整，请补充说明');
  await plain.getByLabel('附件（可选）').setInputFiles({ name: '说明.pdf', mimeType: 'application/pdf', buffer: PDF });
  await plain.getByRole('button', { name: '提交质疑' }).click();
  await expect(plain.getByTestId('objection').filter({ hasText: '抽取结果公示信息不完整' }).getByRole('link', { name: '附件' })).toBeVisible();

  // the owner of the procurement sees the links and opens the attachment
  await open(owner, code);
  await expect(owner.getByTestId('objection-attachment')).toHaveCount(2);
  const res = await owner.request.get(href);
  expect(res.status()).toBe(200);
  expect(res.headers()['content-type']).toBe('application/pdf');
  expect(Buffer.from(await res.body()).equals(PDF)).toBeTruthy();

  // the selected firm and the public see no link and get 404
  await open(selected, code);
  await expect(selected.getByTestId('objection')).toHaveCount(2);
  await expect(selected.getByTestId('objection-attachment')).toHaveCount(0);
  expect((await selected.request.get(href)).status()).toBe(404);
  const anonymous = await playwright.request.newContext({ baseURL: BASE });
  expect((await anonymous.get(href)).status()).toBe(404);
  const html = await (await anonymous.get(`/announcements/${code}`)).text();
  expect(html).not.toContain(href);
  await anonymous.dispose();
  await noJs.close();
  // the refused upload answers 400, which the browser logs; nothing else may fail
  expect(errors.filter((e) => !e.includes('status of 400'))).toEqual([]);
});
