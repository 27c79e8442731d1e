import { test, expect } from '@playwright/test';
import { hydrated, watchErrors } from './helpers';
import { BASE, FIRMS, DAY, userPage, advance, publish, open } from './trading-helpers';

// Trading end to end against the second server whose clock the tests move
// forward (scripts/test.sh starts it with --test-clock and passes TRADING_URL):
// each selection method from publication to a final award, with several firms
// in their own browsers. Projects run these on desktop and on a phone viewport.
test.use({ baseURL: BASE });
test.describe.configure({ mode: 'serial' });

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
  // amounts whose digits no timestamp, code or hash on the page is likely to hold
  const amounts = ['90317', '85241', '95173'];
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
  const ocdsBefore = await owner.request.get(`/api/v1/ocds/records/${code}`);
  expect(ocdsBefore.ok()).toBeTruthy();
  const ocds = await ocdsBefore.text();
  const around = (text: string, secret: string) => text.slice(Math.max(0, text.indexOf(secret) - 120), text.indexOf(secret) + 120);
  for (const secret of ['85,241', '8524100', '85241', '90,317', '9031700', '90317', '95,173', '9517300', '95173']) {
    expect(events.indexOf(secret), `live events carry no amount: ${around(events, secret)}`).toBe(-1);
    expect(html.indexOf(secret), `the page carries no amount: ${around(html, secret)}`).toBe(-1);
    expect(api.indexOf(secret), `the API carries no amount: ${around(api, secret)}`).toBe(-1);
    expect(ocds.indexOf(secret), `the OCDS record carries no amount: ${around(ocds, secret)}`).toBe(-1);
  }
  await advance(owner, deadline - (await advance(owner, 0)) + 60_000);
  await open(owner, code);
  await expect(owner.getByTestId('quotes')).toContainText('85,241');
  await expect(owner.getByTestId('award-amount')).toContainText('85,241');
  await open(firms[1], code);
  await firms[1].getByRole('button', { name: '确认中选' }).click();
  await expect(firms[1].getByRole('button', { name: '确认中选' })).toHaveCount(0);
  await advance(owner, 8 * DAY);
  await open(owner, code);
  await expect(owner.getByTestId('award')).toContainText('已生效');
  // the announcement links its open-data record: the award in force, at the opened amount
  const href = await owner.getByTestId('ocds-link').getAttribute('href');
  const record = await (await owner.request.get(href!)).json();
  const compiled = record.records[0].compiledRelease;
  expect(compiled.tender.status).toBe('complete');
  expect(compiled.tender.numberOfTenderers).toBe(3);
  expect(compiled.awards.map((a: any) => [a.status, a.value.amount])).toEqual([['active', 85241]]);
  expect(record.records[0].releases.map((r: any) => r.tag[0])).toEqual(expect.arrayContaining(['tender', 'tenderUpdate']));
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
