import { test, expect, Browser, Page } from '@playwright/test';
import { hydrated, watchErrors } from './helpers';

// Trading end to end against the second server whose clock the tests move
// forward (scripts/test.sh starts it with --test-clock and passes TRADING_URL):
// each selection method from publication to a final award, with several firms
// in their own browsers. Projects run these on desktop and on a phone viewport.
const BASE = process.env.TRADING_URL ?? process.env.BASE_URL ?? 'http://127.0.0.1:3000';
test.use({ baseURL: BASE });
test.describe.configure({ mode: 'serial' });

const PASSWORD = 'Zjcs-Demo-2026';
const FIRMS = ['firm', 'firm.b', 'firm.c', 'firm.d'];
const DAY = 86_400_000;

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

/** Publishes an announcement as the owner (through the same server function the form posts to). */
async function publish(owner: Page, firm: Page, method: string, extra: Record<string, string> = {}): Promise<{ code: string; deadline: number }> {
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

async function open(page: Page, code: string) {
  await page.goto(`/announcements/${code}`);
  await hydrated(page);
}

test('random draw: four firms register, the draw is verified in the browser, the selected firm confirms, the award becomes final', async ({ browser }) => {
  const owner = await userPage(browser, 'owner');
  const errors = watchErrors(owner);
  const firms = await Promise.all(FIRMS.map((u) => userPage(browser, u)));
  const { code, deadline } = await publish(owner, firms[0], 'random_draw');
  await open(owner, code);
  await expect(owner.getByTestId('commitment')).toHaveText(/^[0-9a-f]{64}$/);
  for (const f of firms) {
    await open(f, code);
    await f.getByRole('button', { name: '报名', exact: true }).click();
    await expect(f.getByTestId('my-participation')).not.toBeEmpty();
  }
  // the owner's open page follows the count live (or on its next poll)
  await expect(owner.getByTestId('participant-count')).toContainText('4', { timeout: 20_000 });
  // names stay hidden before the deadline
  const html = await (await owner.request.get(`/announcements/${code}`)).text();
  expect(html).not.toContain('firm.b');
  await advance(owner, deadline - (await advance(owner, 0)) + 60_000);
  await open(owner, code);
  await expect(owner.getByTestId('draw')).toBeVisible();
  await owner.getByTestId('verify-draw').click();
  await expect(owner.getByTestId('verify-result')).toHaveClass(/ok/);
  const selected = (await owner.getByTestId('award-firm').innerText()).trim();
  // the selected firm confirms
  let confirmed = false;
  for (const f of firms) {
    await open(f, code);
    await expect(f.getByTestId('my-participation')).toBeVisible();
    const button = f.getByRole('button', { name: '确认中选' });
    if (await button.count()) {
      await button.click();
      await expect(f.getByRole('button', { name: '确认中选' })).toHaveCount(0);
      confirmed = true;
    }
  }
  expect(confirmed, `one firm page offers the confirmation (${selected})`).toBeTruthy();
  await advance(owner, 8 * DAY);
  await open(owner, code);
  await expect(owner.getByTestId('award')).toContainText('已生效');
  expect(errors).toEqual([]);
});

test('price competition: amounts stay sealed (page, HTML, live stream) until opening; the lowest wins and confirms', async ({ browser }) => {
  const owner = await userPage(browser, 'owner');
  const firms = await Promise.all(FIRMS.slice(0, 3).map((u) => userPage(browser, u)));
  const { code, deadline } = await publish(owner, firms[0], 'price_competition');
  await open(owner, code);
  // the owner's page listens to the live stream while the firms quote
  await owner.evaluate((topic) => {
    (window as any).__events = [];
    const es = new EventSource(`/live?topics=${topic}`);
    es.onmessage = (e) => (window as any).__events.push(e.data);
  }, `procurement:${code}`);
  const amounts = ['90000', '85000', '95000'];
  for (let i = 0; i < firms.length; i++) {
    await open(firms[i], code);
    await firms[i].getByLabel('报价金额（元）').fill(amounts[i]);
    await firms[i].getByRole('button', { name: '提交报价' }).click();
    await expect(firms[i].getByTestId('new-receipt')).toHaveText(/^[0-9a-f]{64}$/);
  }
  await expect.poll(async () => owner.evaluate(() => (window as any).__events.length), { timeout: 20_000 }).toBeGreaterThanOrEqual(3);
  const events: string = await owner.evaluate(() => (window as any).__events.join('\n'));
  const html = await (await owner.request.get(`/announcements/${code}`)).text();
  const api = await (await owner.request.post('/api/trading/announcement', { form: { code } })).text();
  for (const secret of ['85,000', '8500000', '85000', '9000000', '9500000']) {
    expect(events, 'live events carry no amount').not.toContain(secret);
    expect(html, 'the page carries no amount').not.toContain(secret);
    expect(api, 'the API carries no amount').not.toContain(secret);
  }
  await advance(owner, deadline - (await advance(owner, 0)) + 60_000);
  await open(owner, code);
  await expect(owner.getByTestId('quotes')).toContainText('85,000');
  await expect(owner.getByTestId('award-amount')).toContainText('85,000');
  await open(firms[1], code);
  await firms[1].getByRole('button', { name: '确认中选' }).click();
  await expect(firms[1].getByRole('button', { name: '确认中选' })).toHaveCount(0);
  await advance(owner, 8 * DAY);
  await open(owner, code);
  await expect(owner.getByTestId('award')).toContainText('已生效');
});

test('direct selection: the choice and its reason are published at once; the firm confirms; final after publicity', async ({ browser }) => {
  const owner = await userPage(browser, 'owner');
  const firm = await userPage(browser, 'firm.c');
  const me = await (await firm.request.post('/api/accounts/me')).json();
  const list = await (await firm.request.post('/api/firms/list', { form: { 'query[q]': me.display_name } })).json();
  const credit = list.items[0].credit_code;
  const { code } = await publish(owner, firm, 'direct', { 'form[direct_firm]': credit, 'form[direct_reason]': '该单位承担过本项目前期工作' });
  await open(firm, code);
  await expect(firm.getByText('该单位承担过本项目前期工作').first()).toBeVisible();
  await firm.getByRole('button', { name: '确认中选' }).click();
  await expect(firm.getByRole('button', { name: '确认中选' })).toHaveCount(0);
  await advance(owner, 8 * DAY);
  await open(owner, code);
  await expect(owner.getByTestId('award')).toContainText('已生效');
  await expect(owner.getByTestId('award-firm')).toContainText(credit);
});

test('merit selection: the owner scores with a two-member panel in the browser; the best total wins, not the cheapest', async ({ browser }) => {
  const owner = await userPage(browser, 'owner');
  const errors = watchErrors(owner);
  const firms = await Promise.all(FIRMS.slice(0, 3).map((u) => userPage(browser, u)));
  const { code, deadline } = await publish(owner, firms[0], 'merit');
  const amounts = ['80000', '100000', '90000'];
  for (let i = 0; i < firms.length; i++) {
    await open(firms[i], code);
    await firms[i].getByLabel('报价金额（元）').fill(amounts[i]);
    await firms[i].getByRole('button', { name: '提交报价' }).click();
    await expect(firms[i].getByTestId('new-receipt')).toBeVisible();
  }
  await advance(owner, deadline - (await advance(owner, 0)) + 60_000);
  await open(owner, code);
  await expect(owner.getByTestId('owner-panel')).toBeVisible();
  // rows follow the opened quotes, cheapest first: 80,000 / 90,000 / 100,000
  const sheet = ['20', '10', '30', '15', '40', '20'];
  for (const panelist of ['张专家', '李专家']) {
    await owner.getByLabel('评审专家姓名').fill(panelist);
    const cells = owner.locator('input.score');
    await expect(cells).toHaveCount(6);
    for (let i = 0; i < sheet.length; i++) await cells.nth(i).fill(sheet[i]);
    await owner.getByRole('button', { name: '保存该专家评分' }).click();
    await expect(owner.getByTestId('merit-saved')).toContainText(panelist);
  }
  await owner.getByRole('button', { name: '完成评审并公布结果' }).click();
  await expect(owner.getByTestId('merit')).toBeVisible();
  // 100,000 with full quality marks: 40 × 80,000 ÷ 100,000 = 32 + 60 = 92.00
  await expect(owner.getByTestId('merit')).toContainText('92.00');
  await expect(owner.getByTestId('award-amount')).toContainText('100,000');
  await open(firms[1], code);
  await firms[1].getByRole('button', { name: '确认中选' }).click();
  await expect(firms[1].getByRole('button', { name: '确认中选' })).toHaveCount(0);
  await advance(owner, 8 * DAY);
  await open(owner, code);
  await expect(owner.getByTestId('award')).toContainText('已生效');
  expect(errors).toEqual([]);
});
