import { test, expect, Page } from '@playwright/test';
import { hydrated, watchErrors } from './helpers';
import { BASE, FIRMS, DAY, PDF, userPage, advance, publish, open } from './trading-helpers';

// Objections (质疑) with an attachment, against the trading server whose clock
// the test moves forward (TRADING_URL): after a random draw, a firm that was not
// selected objects with a PDF (with JavaScript, and another firm without it);
// the owner of the procurement opens the attachment, the public cannot.
test.use({ baseURL: BASE });
test.describe.configure({ mode: 'serial' });

test('a firm that was not selected objects with a PDF; the owner opens it, the public cannot', async ({ browser, playwright }) => {
  const owner = await userPage(browser, 'owner');
  const firms = await Promise.all(FIRMS.map((u) => userPage(browser, u)));
  const errors = watchErrors(firms[0]);
  const { code, deadline } = await publish(owner, firms[0], 'random_draw');
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
