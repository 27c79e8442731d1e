import { test, expect, Page, Browser, TestInfo, APIRequestContext, request as pwRequest } from '@playwright/test';
import { watchErrors, hydrated, expectAccessible } from './helpers';
import { BASE } from './trading-helpers';

// The demo project owner (项目业主) drafts and publishes a selection
// announcement (选取公告) from its desk. Runs on desktop and on the phone.
const OWNER = 'owner';
const PASSWORD = 'Zjcs-Demo-2026';

/** `YYYY-MM-DDTHH:MM` (a datetime-local value) moved by `n` working days
 * (Mon–Fri, as the server's default calendar) at the same time of day. */
function addWorkingDays(local: string, n: number): string {
  const d = new Date(`${local}:00Z`);
  let left = n;
  while (left > 0) {
    d.setUTCDate(d.getUTCDate() + 1);
    const wd = d.getUTCDay();
    if (wd !== 0 && wd !== 6) left--;
  }
  return d.toISOString().slice(0, 16);
}

/** The same value `days` calendar days earlier. */
function daysBefore(local: string, days: number): string {
  return new Date(new Date(`${local}:00Z`).getTime() - days * 86_400_000).toISOString().slice(0, 16);
}

/** The earliest deadline the server allows (its clock + the minimum publication
 * period, 3 working days by default), from the deadline input's `min`. */
async function earliestDeadline(page: Page): Promise<string> {
  const min = await page.locator('#af-deadline').getAttribute('min');
  expect(min).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/);
  return min!;
}

async function signIn(page: Page, next: string, js = true) {
  await page.goto(`/sign-in?next=${encodeURIComponent(next)}`);
  if (js) await hydrated(page);
  await page.getByLabel('用户名').fill(OWNER);
  await page.getByLabel('密码').fill(PASSWORD);
  await page.getByRole('button', { name: '登录', exact: true }).click();
  await expect(page).toHaveURL(new RegExp(`${next.replace(/[/]/g, '\\/')}$`));
}

/** Every field of the form except the service item's requirements. */
async function fillForm(page: Page, f: { title: string; budget: string; deadline: string; item?: string }) {
  await page.getByLabel('项目名称').fill(f.title);
  await page.getByLabel('项目代码').fill(`XM-${Date.now() % 1_000_000}`);
  // default 建设工程监理: requires 工程监理资质, 乙级 or better
  await page.getByLabel('中介服务事项').selectOption(f.item ?? 'ZJFW-011');
  await page.getByLabel('资金来源').selectOption('fiscal');
  await page.getByLabel('预算金额或最高限价(元)').fill(f.budget);
  await page.getByLabel('服务时限(工作日)').fill('60');
  await page.getByLabel('服务内容及范围').fill('办公楼改造工程施工阶段监理,含质量、进度、安全文明施工管理。');
  await page.getByLabel('报名(报价)截止时间').fill(f.deadline);
  await page.getByLabel('联系人', { exact: true }).fill('王工');
  await page.getByLabel('联系电话').fill('13800138000');
}

/** No horizontal scrolling on a phone. */
async function fitsPhone(page: Page, isMobile: boolean) {
  if (!isMobile) return;
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  expect(width).toBeLessThanOrEqual(390);
}

test('an owner drafts with a mistake, fixes it, edits the draft and publishes a random draw', async ({ page, isMobile }) => {
  const errors = watchErrors(page);
  await signIn(page, '/owner');
  await hydrated(page);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('我的选取项目');
  await expect(page.getByTestId('owner-name')).not.toBeEmpty();
  // the header's work link (behind the menu button on a phone)
  await expect(page.locator('.user-menu a', { hasText: '我的项目' })).toHaveAttribute('href', '/owner');
  await expectAccessible(page);

  await page.getByRole('link', { name: '发布选取公告' }).first().click();
  await expect(page).toHaveURL(/\/owner\/announcements\/new$/);
  await hydrated(page);
  await expect(page.getByTestId('deadline-hint')).toContainText('至少 3 个工作日');
  await fitsPhone(page, isMobile);

  // choosing the service item fills in its qualification requirement
  const title = `办公楼改造监理服务${Date.now() % 100000}`;
  // a deadline too soon to publish, but fine for a draft; a budget that is not a number
  await fillForm(page, { title, budget: '十二万', deadline: daysBefore(await earliestDeadline(page), 1) });
  await expect(page.locator('#af-req-type-1')).toHaveValue('GCJL');
  await expect(page.locator('#af-req-grade-1')).toHaveValue('乙级');

  // merit fields appear only for that method, with a live sum of the points
  await expect(page.getByLabel('评分项')).toBeHidden();
  await page.getByLabel('择优选取').check();
  await page.getByLabel('价格分(分)').fill('40');
  await page.getByLabel('评分项').fill('技术方案:30\n服务团队:20');
  await expect(page.getByTestId('merit-sum')).toContainText('合计 90 分');
  await page.getByLabel('评分项').fill('技术方案:30\n服务团队:20\n类似业绩:10');
  await expect(page.getByTestId('merit-sum')).toContainText('合计 100 分');
  await page.getByLabel('随机抽取').check();
  await expect(page.getByLabel('评分项')).toBeHidden();

  await page.getByRole('button', { name: '保存草稿' }).click();
  const budgetError = page.locator('#budget-error');
  await expect(budgetError).toBeVisible();
  await expect(budgetError).not.toContainText('announcement.');
  await expect(page).toHaveURL(/\/owner\/announcements\/new$/);
  // nothing typed is lost
  await expect(page.getByLabel('项目名称')).toHaveValue(title);
  await expect(page.getByLabel('中介服务事项')).toHaveValue('ZJFW-011');
  await expect(page.locator('#af-req-type-1')).toHaveValue('GCJL');
  await expect(page.getByLabel('联系电话')).toHaveValue('13800138000');
  await expectAccessible(page);

  await page.getByLabel('预算金额或最高限价(元)').fill('120000');
  await page.getByRole('button', { name: '保存草稿' }).click();
  await expect(page).toHaveURL(/\/owner\/announcements\/[^/]+\/edit\?saved=1$/);
  const code = page.url().match(/announcements\/([^/]+)\/edit/)![1];
  await expect(page.getByTestId('saved-notice')).toBeVisible();
  await hydrated(page);
  await expect(page.getByLabel('项目名称')).toHaveValue(title);
  await expect(page.getByLabel('预算金额或最高限价(元)')).toHaveValue(/^120000(\.00)?$/);
  await expect(page.locator('#af-req-type-1')).toHaveValue('GCJL');

  // the draft is on the desk, with a link back to its form
  await page.goto('/owner?status=draft');
  const draftRow = page.locator(`tr[data-code="${code}"]`);
  await expect(draftRow).toContainText(title);
  await expect(draftRow).toContainText('草稿');
  await fitsPhone(page, isMobile);
  await draftRow.getByRole('link', { name: '编辑草稿' }).click();
  await expect(page).toHaveURL(new RegExp(`/owner/announcements/${code}/edit$`));
  await hydrated(page);

  // edit, then publishing with a deadline too soon is refused next to the deadline
  const edited = `${title}(修订)`;
  await page.getByLabel('项目名称').fill(edited);
  await page.getByRole('button', { name: '发布', exact: true }).click();
  await expect(page.locator('#deadline-error')).toBeVisible();
  await expect(page.getByLabel('项目名称')).toHaveValue(edited);

  // 4 working days ahead (the minimum is 3): published, the public page opens
  await page.getByLabel('报名(报价)截止时间').fill(addWorkingDays(await earliestDeadline(page), 1));
  await page.getByRole('button', { name: '发布', exact: true }).click();
  await expect(page).toHaveURL(new RegExp(`/announcements/${code}$`));
  await expect(page.getByRole('heading', { level: 1 })).toContainText(edited);
  await expect(page.getByTestId('commitment')).toHaveText(/^[0-9a-f]{64}$/);
  // the owner sees its panel there, with the cancel action
  await expect(page.getByTestId('owner-panel')).toBeVisible();
  await expect(page.getByTestId('owner-panel')).toContainText('终止公告');
  await fitsPhone(page, isMobile);

  // and on the desk as published, linking to the public page
  await page.goto('/owner');
  const row = page.locator(`tr[data-code="${code}"]`);
  await expect(row).toContainText(edited);
  await expect(row).toContainText('公告中');
  await expect(row.getByRole('link', { name: '查看公告' })).toHaveAttribute('href', `/announcements/${code}`);
  await expect(page.locator('tr', { hasText: edited }).getByRole('link', { name: '编辑草稿' })).toHaveCount(0);
  // the two refused saves (bad budget, deadline too soon) are the only errors
  expect(errors.filter((e) => !e.includes('status of 400'))).toEqual([]);
  expect(errors.length).toBe(2);
});

test('an owner cancels a draft from the desk with a public reason', async ({ page }) => {
  await signIn(page, '/owner/announcements/new');
  await hydrated(page);
  const title = `待终止的测绘服务${Date.now() % 100000}`;
  await fillForm(page, { title, budget: '30000', deadline: addWorkingDays(await earliestDeadline(page), 2) });
  await page.getByRole('button', { name: '保存草稿' }).click();
  await expect(page).toHaveURL(/\/edit\?saved=1$/);
  const code = page.url().match(/announcements\/([^/]+)\/edit/)![1];
  await page.goto('/owner');
  await hydrated(page);
  const row = page.locator(`tr[data-code="${code}"]`);
  await row.getByText('终止公告').click();
  await row.getByLabel('终止原因(将公开)').fill('短');
  await row.getByRole('button', { name: '确认终止' }).click();
  await expect(row.locator('#reason-error')).toBeVisible();
  await row.getByLabel('终止原因(将公开)').fill('项目立项调整,暂不实施。');
  await row.getByRole('button', { name: '确认终止' }).click();
  await expect(page.locator(`tr[data-code="${code}"]`)).toContainText('已终止');
  await expect(page.locator(`tr[data-code="${code}"]`).getByText('终止公告')).toHaveCount(0);
});

test('a firm sees its participations; the owner desk answers 401 to visitors and 403 to other roles', async ({ page }) => {
  const anon = await page.goto('/owner');
  expect(anon?.status()).toBe(401);
  await page.goto('/sign-in?next=%2Ffirm%2Ftrading');
  await hydrated(page);
  await page.getByLabel('用户名').fill('firm');
  await page.getByLabel('密码').fill(PASSWORD);
  await page.getByRole('button', { name: '登录', exact: true }).click();
  await expect(page).toHaveURL(/\/firm\/trading$/);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('我的报名');
  await expect(page.locator('table.participations, .empty').first()).toBeVisible();
  const denied = await page.goto('/owner');
  expect(denied?.status()).toBe(403);
});

test('@nojs an owner saves a draft without JavaScript; the error comes back next to the field', async ({ page }) => {
  await signIn(page, '/owner/announcements/new', false);
  const title = `无脚本监理服务草稿${Date.now() % 100000}`;
  await fillForm(page, { title, budget: '-5', deadline: addWorkingDays(await earliestDeadline(page), 1) });
  await page.getByRole('button', { name: '保存草稿' }).click();
  await expect(page.locator('#budget-error')).toBeVisible();
  await expect(page.locator('#budget-error')).not.toContainText('announcement.');
  // method fields follow the chosen method without JavaScript too (CSS only)
  await expect(page.getByLabel('评分项')).toBeHidden();
  await page.getByLabel('择优选取').check();
  await expect(page.getByLabel('评分项')).toBeVisible();
  await page.getByLabel('随机抽取').check();
  await fillForm(page, { title, budget: '88000.50', deadline: addWorkingDays(await earliestDeadline(page), 1) });
  await page.getByRole('button', { name: '保存草稿' }).click();
  await expect(page.locator('#budget-error')).toHaveCount(0);
  await page.goto('/owner?status=draft');
  const row = page.locator('tr', { hasText: title });
  await expect(row).toContainText('草稿');
  await expect(row).toContainText('88,000.50');
  await row.getByRole('link', { name: '编辑草稿' }).click();
  await expect(page.getByLabel('项目名称')).toHaveValue(title);
  await expect(page.getByLabel('中介服务事项')).toHaveValue('ZJFW-011');
});

// ───────────── through selection, on the server whose clock the tests move ─────────────
// TRADING_URL (BASE in trading-helpers): a server started with --test-clock (POST /__test/clock?advance_ms=N).

const TRADING = BASE;
// an item the demo firms `firm`, `firm.b`, `firm.c` (and `firm.d`) all offer, with no
// qualification requirement: 建设项目环境影响报告书编制
const SHARED_ITEM = 'ZJFW-026';

/** A signed-in page of `user` on the trading server (the owner keeps the
 * project's viewport: a phone in the phone project). */
async function signedIn(browser: Browser, info: TestInfo, user: string, own = false): Promise<Page> {
  const u = info.project.use;
  const device = own ? { viewport: u.viewport, isMobile: u.isMobile, hasTouch: u.hasTouch, deviceScaleFactor: u.deviceScaleFactor, userAgent: u.userAgent } : {};
  const ctx = await browser.newContext({ ...device, baseURL: TRADING, locale: 'zh-CN' });
  const page = await ctx.newPage();
  await page.goto('/sign-in');
  await hydrated(page);
  await page.getByLabel('用户名').fill(user);
  await page.getByLabel('密码').fill(PASSWORD);
  await page.getByRole('button', { name: '登录', exact: true }).click();
  await expect(page).not.toHaveURL(/sign-in/);
  return page;
}

/** The owner publishes an announcement of `method` for the shared item; returns its code. */
async function publish(owner: Page, method: string, title: string, extra?: (p: Page) => Promise<void>): Promise<string> {
  await owner.goto('/owner/announcements/new');
  await hydrated(owner);
  await fillForm(owner, { title, budget: '120000', deadline: addWorkingDays(await earliestDeadline(owner), 1), item: SHARED_ITEM });
  await owner.getByLabel(method, { exact: true }).check();
  if (extra) await extra(owner);
  await owner.getByRole('button', { name: '发布', exact: true }).click();
  // the public page (not /owner/announcements/new)
  await expect(owner).toHaveURL(/:\d+\/announcements\/[^/]+$/);
  return owner.url().match(/:\d+\/announcements\/([^/?]+)$/)![1];
}

/** `user` signed in through the server functions, for the steps of other
 * parties (the firm's own pages are tested in announcements.spec.ts). */
async function apiAs(user: string): Promise<APIRequestContext> {
  const api = await pwRequest.newContext({ baseURL: TRADING, extraHTTPHeaders: { Accept: 'application/json' } });
  const res = await api.post('/api/accounts/sign_in', { form: { username: user, password: PASSWORD } });
  expect(res.ok(), await res.text()).toBe(true);
  return api;
}

/** Calls a server function as the signed-in firm; returns its JSON answer. */
async function call(api: APIRequestContext, path: string, form: Record<string, string>, multipart = false) {
  const res = await api.post(`/api/trading/${path}`, multipart ? { multipart: form } : { form });
  expect(res.ok(), `${path}: ${await res.text()}`).toBe(true);
  return res.json();
}

/** Moves the trading server's clock past the deadline (at most 4 working days + weekend away). */
async function passDeadline(page: Page) {
  const res = await page.request.post(`${TRADING}/__test/clock?advance_ms=${8 * 86_400_000}`);
  expect(res.ok()).toBe(true);
}

test('merit: the owner scores on the grid per panel member, finishes, answers an objection; the operator decides it', async ({ browser }, info) => {
  test.setTimeout(240_000);
  const owner = await signedIn(browser, info, OWNER, true);
  const title = `环评报告编制择优选取${Date.now() % 100000}`;
  const code = await publish(owner, '择优选取', title, async (p) => {
    await p.getByLabel('价格分(分)').fill('40');
    await p.getByLabel('评分项').fill('技术方案:40\n服务团队:20');
    await expect(p.getByTestId('merit-sum')).toContainText('合计 100 分');
  });
  const firms: Record<string, APIRequestContext> = {};
  for (const [user, amount] of [['firm', '100000'], ['firm.b', '95000'], ['firm.c', '90000']]) {
    firms[user] = await apiAs(user);
    await call(firms[user], 'quote', { code, amount });
  }
  await passDeadline(owner);

  // the panel: one row per participant (lowest quote first), one input per criterion
  await owner.goto(`/announcements/${code}`);
  await hydrated(owner);
  const panel = owner.getByTestId('owner-panel');
  await expect(panel).toContainText('择优评审打分');
  const rows = panel.locator('.score-grid tbody tr');
  await expect(rows).toHaveCount(3);
  await expect(panel.getByLabel('评分(每行一家机构)')).toBeHidden();
  const score = async (panelist: string, grid: number[][]) => {
    await panel.getByLabel('评审专家姓名').fill(panelist);
    for (let r = 0; r < grid.length; r++) {
      const inputs = rows.nth(r).locator('input.score');
      for (let c = 0; c < grid[r].length; c++) await inputs.nth(c).fill(String(grid[r][c]));
    }
    await panel.getByRole('button', { name: '保存该专家评分' }).click();
    await expect(panel.getByTestId('merit-saved')).toContainText(panelist);
    await expect(panel.getByLabel('评审专家姓名')).toHaveValue('');
  };
  // a score above the criterion's maximum is refused next to the scores
  await panel.getByLabel('评审专家姓名').fill('张评委');
  for (let r = 0; r < 3; r++) for (let c = 0; c < 2; c++) await rows.nth(r).locator('input.score').nth(c).fill('45');
  await panel.getByRole('button', { name: '保存该专家评分' }).click();
  await expect(panel.locator('#scores-error')).toBeVisible();
  await score('张评委', [[38, 19], [30, 15], [25, 12]]);
  await score('李评委', [[36, 18], [32, 14], [26, 11]]);
  await panel.getByRole('button', { name: '完成评审并公布结果' }).click();
  await expect(owner.getByTestId('award')).toBeVisible();
  await expect(owner.getByTestId('merit')).toBeVisible();
  await expect(owner.getByTestId('owner-panel')).toContainText('当前没有需要您处理的事项');
  await fitsPhone(owner, !!info.project.use.isMobile);

  // a firm that was not selected objects; the owner answers in the panel before the due time
  // (a multipart form: an objection may carry an attachment)
  const objection = await call(firms['firm'], 'object', { code, reason: '评审专家对我单位技术方案的评分明显偏低,请复核评分依据。' }, true);
  await owner.goto(`/announcements/${code}`);
  await hydrated(owner);
  const claim = owner.getByTestId('owner-panel').locator('.objection-claim');
  await expect(claim).toContainText('请复核评分依据');
  await expect(claim).toContainText('答复期限');
  await claim.getByLabel('答复内容').fill('经复核,两位评审专家均按公布的评分标准独立打分,评分有效。');
  await claim.getByRole('button', { name: '提交答复' }).click();
  await expect(owner.getByTestId('owner-panel').locator('.objection-claim')).toHaveCount(0);

  // the firm does not accept the answer: the operator (all industries) decides it
  await call(firms['firm'], 'objection_act', { id: String(objection), action: 'escalate' });
  const operator = await signedIn(browser, info, 'operator');
  await operator.goto('/regulator/objections');
  await hydrated(operator);
  const card = operator.locator('.objection-card', { hasText: title });
  await expect(card).toContainText('请复核评分依据');
  await expect(card).toContainText('评分有效');
  await card.getByLabel('处理意见(将告知双方)').fill('评分过程符合公布的评分办法,质疑理由不成立。');
  await card.getByRole('button', { name: '驳回质疑' }).click();
  await expect(operator.getByTestId('objection-decided')).toContainText(title);
  await expect(operator.locator('.objection-card', { hasText: title })).toHaveCount(0);
});

test('price competition: the owner accepts an abnormally low quote after reading its justification', async ({ browser }, info) => {
  test.setTimeout(180_000);
  const owner = await signedIn(browser, info, OWNER, true);
  const title = `环评报告编制竞价选取${Date.now() % 100000}`;
  const code = await publish(owner, '竞价选取', title);
  const firms: Record<string, APIRequestContext> = {};
  for (const [user, amount] of [['firm', '100000'], ['firm.b', '98000'], ['firm.c', '50000']]) {
    firms[user] = await apiAs(user);
    await call(firms[user], 'quote', { code, amount });
  }
  await passDeadline(owner);

  await owner.goto(`/announcements/${code}`);
  await hydrated(owner);
  const pending = owner.getByTestId('owner-panel').locator('.abnormal-quote');
  await expect(pending).toHaveCount(1);
  await expect(pending).toContainText('50,000.00');
  await expect(pending).toContainText('机构尚未提交书面说明');

  await call(firms['firm.c'], 'justify', { code, text: '我单位在本地区有同类项目现场监测数据可复用,人员驻场成本低。' });
  await owner.goto(`/announcements/${code}`);
  await hydrated(owner);
  const decided = owner.getByTestId('owner-panel').locator('.abnormal-quote');
  await expect(decided).toContainText('同类项目现场监测数据可复用');
  await decided.getByRole('button', { name: '接受该报价' }).click();
  await expect(owner.getByTestId('award')).toBeVisible();
  await expect(owner.getByTestId('award')).toContainText('50,000.00');
  await expect(owner.getByTestId('owner-panel').locator('.abnormal-quote')).toHaveCount(0);
  await fitsPhone(owner, !!info.project.use.isMobile);
});

test('@nojs merit scores typed as plain text, one line per participant, without JavaScript', async ({ page }) => {
  test.setTimeout(120_000);
  // set up through the server functions: the owner publishes, three firms quote, time passes
  const ownerApi = await apiAs(OWNER);
  const options = await call(ownerApi, 'options', {});
  const earliest = new Date(options.earliest_deadline_ms + 8 * 3_600_000).toISOString().slice(0, 16);
  const title = `环评报告编制无脚本评审${Date.now() % 100000}`;
  const form: Record<string, string> = {
    title, project_code: `XM-${Date.now() % 1_000_000}`, item_code: SHARED_ITEM, region_code: options.regions[0][0],
    funding: 'social', budget: '80000', scope: '', match_mode: 'any', req_type_1: '', req_grade_1: '', req_type_2: '',
    req_grade_2: '', req_type_3: '', req_grade_3: '', service_days: '30', deadline: addWorkingDays(earliest, 1),
    method: 'merit', contact_name: '李工', contact_phone: '13900139000', price_weight: '30', criteria: '技术方案:50\n服务团队:20',
    direct_firm: '', direct_reason: '',
  };
  const fields = Object.fromEntries(Object.entries(form).map(([k, v]) => [`form[${k}]`, v]));
  const code: string = await call(ownerApi, 'save', { ...fields, publish: '1' });
  for (const [user, amount] of [['firm', '80000'], ['firm.b', '76000'], ['firm.c', '79000']]) {
    await call(await apiAs(user), 'quote', { code, amount });
  }
  const res = await page.request.post(`${TRADING}/__test/clock?advance_ms=${8 * 86_400_000}`);
  expect(res.ok()).toBe(true);

  await page.goto(`${TRADING}/sign-in`);
  await page.getByLabel('用户名').fill(OWNER);
  await page.getByLabel('密码').fill(PASSWORD);
  await page.getByRole('button', { name: '登录', exact: true }).click();
  await page.goto(`${TRADING}/announcements/${code}`);
  const panel = page.getByTestId('owner-panel');
  await expect(panel.locator('.score-grid')).toBeHidden();
  const text = panel.getByLabel('评分(每行一家机构)');
  // pre-filled: one line per participant, lowest quote first, scores to fill in
  const lines = (await text.inputValue()).split('\n');
  expect(lines).toHaveLength(3);
  for (const l of lines) expect(l).toMatch(/^[0-9A-Z]{18}:,$/);
  const scored = (a: number[][]) => lines.map((l, i) => `${l.slice(0, 19)}${a[i].join(',')}`).join('\n');
  await panel.getByLabel('评审专家姓名').fill('王评委');
  await text.fill(scored([[45, 18], [40, 15], [35, 12]]));
  await panel.getByRole('button', { name: '保存该专家评分' }).click();
  await expect(page.locator('#scores-error')).toHaveCount(0);
  await panel.getByLabel('评审专家姓名').fill('赵评委');
  await panel.getByLabel('评分(每行一家机构)').fill(scored([[44, 17], [41, 16], [30, 10]]));
  await panel.getByRole('button', { name: '保存该专家评分' }).click();
  await page.getByTestId('owner-panel').getByRole('button', { name: '完成评审并公布结果' }).click();
  await expect(page.getByTestId('award')).toBeVisible();
  await expect(page.getByTestId('merit')).toBeVisible();
});
