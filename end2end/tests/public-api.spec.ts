import { test, expect, APIRequestContext } from '@playwright/test';
import { watchErrors } from './helpers';

// The public read API (/api/v1/…): change feeds paged by cursor, one object per
// URL, ETags, JSON errors in Chinese, and its OpenAPI document with an
// interactive page that loads nothing from elsewhere.

async function getJson(request: APIRequestContext, url: string, status = 200) {
  const r = await request.get(url);
  expect(r.status(), `${url}: ${await r.text()}`).toBe(status);
  expect(r.headers()['content-type']).toContain('application/json');
  return { body: await r.json(), headers: r.headers() };
}

test('the announcement feed pages forward by cursor, each announcement once, oldest change first', async ({ request }) => {
  const first = await getJson(request, '/api/v1/announcements?limit=5');
  expect(first.body.data).toHaveLength(5);
  const second = await getJson(request, first.body.next_page.path);
  expect(second.body.data).toHaveLength(5);
  const rows = [...first.body.data, ...second.body.data];
  expect(new Set(rows.map((r: { code: string }) => r.code)).size).toBe(10);
  const times = rows.map((r: { date_modified: string }) => r.date_modified);
  expect([...times].sort()).toEqual(times);
  for (const r of rows) {
    expect(r.status).not.toBe('draft');
    expect(r.date_modified).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00$/);
  }
  // the ETag comes back as 304, and a changed page has another one
  const etag = first.headers['etag'];
  expect(etag).toMatch(/^"[0-9a-f]{24}"$/);
  const again = await request.get('/api/v1/announcements?limit=5', { headers: { 'If-None-Match': etag } });
  expect(again.status()).toBe(304);
  expect(second.headers['etag']).not.toBe(etag);

  // one announcement, as on its public page
  const code = rows[0].code;
  const detail = await getJson(request, `/api/v1/announcements/${encodeURIComponent(code)}`);
  expect(detail.body.code).toBe(code);
  expect(detail.body.title).toBe(rows[0].title);
  expect(Array.isArray(detail.body.candidates)).toBe(true);
});

test('firms, contracts, service items and statistics answer with their public fields', async ({ request }) => {
  const firms = await getJson(request, '/api/v1/firms?limit=3');
  expect(firms.body.data).toHaveLength(3);
  const firm = await getJson(request, `/api/v1/firms/${firms.body.data[0].credit_code}`);
  expect(firm.body.name).toBe(firms.body.data[0].name);
  expect(firm.body).not.toHaveProperty('contact_phone');
  expect(Array.isArray(firm.body.scope)).toBe(true);

  const contracts = await getJson(request, '/api/v1/contracts?limit=2');
  expect(contracts.body.data).toHaveLength(2);
  const contract = await getJson(request, `/api/v1/contracts/${encodeURIComponent(contracts.body.data[0].code)}`);
  expect(contract.body.amount_fen).toBeGreaterThan(0);
  expect(contract.body.firm.credit_code).toMatch(/^[0-9A-Z]{18}$/);

  const items = await getJson(request, '/api/v1/items');
  expect(items.body.data.length).toBeGreaterThan(0);
  const item = await getJson(request, `/api/v1/items/${encodeURIComponent(items.body.data[0].code)}`);
  expect(item.body.name).toBe(items.body.data[0].name);

  const stats = await getJson(request, '/api/v1/statistics?grain=quarter');
  expect(stats.body.grain).toBe('quarter');
  expect(stats.body.totals.published).toBeGreaterThan(0);
  expect(stats.body.trend.length).toBeGreaterThan(0);
});

test('bad input and unknown objects are JSON errors in Chinese', async ({ request }) => {
  for (const [url, status, says] of [
    ['/api/v1/announcements?limit=0', 400, '1 到 100'],
    ['/api/v1/announcements?limit=abc', 400, 'limit'],
    ['/api/v1/firms?offset=yesterday', 400, 'offset'],
    ['/api/v1/announcements/NO-SUCH-CODE', 404, '没有已发布的公告'],
    ['/api/v1/contracts/NO-SUCH-CODE', 404, '没有合同编号'],
    ['/api/v1/statistics?from=2026-13', 400, ''],
  ] as const) {
    const { body } = await getJson(request, url, status);
    expect(typeof body.error).toBe('string');
    expect(body.error).toMatch(/[\u4e00-\u9fff]/);
    expect(body.error).toContain(says);
  }
});

test('the OpenAPI document and its interactive page, served from this server alone', async ({ page, request }) => {
  const doc = await getJson(request, '/api/v1/openapi.json');
  expect(doc.body.openapi).toMatch(/^3\./);
  for (const path of ['/api/v1/announcements', '/api/v1/announcements/{code}', '/api/v1/contracts', '/api/v1/firms/{credit_code}', '/api/v1/items', '/api/v1/statistics']) {
    expect(Object.keys(doc.body.paths)).toContain(path);
  }
  const errors = watchErrors(page);
  const elsewhere: string[] = [];
  const origin = new URL(test.info().project.use.baseURL ?? process.env.BASE_URL ?? 'http://127.0.0.1:3000').origin;
  page.on('request', (r) => {
    if (!r.url().startsWith(origin) && !r.url().startsWith('data:')) elsewhere.push(r.url());
  });
  await page.goto('/api/v1/docs/');
  await expect(page.getByText('中介超市公开数据接口', { exact: false }).first()).toBeVisible();
  await expect(page.locator('.opblock-summary-path', { hasText: '/api/v1/announcements' }).first()).toBeVisible();
  // try one operation from the page
  await page.locator('.opblock-summary-path', { hasText: /^\/api\/v1\/items$/ }).first().click();
  await page.getByRole('button', { name: 'Try it out' }).click();
  await page.getByRole('button', { name: 'Execute' }).click();
  await expect(page.locator('.live-responses-table tr.response .response-col_status').first()).toHaveText('200');
  expect(elsewhere).toEqual([]);
  expect(errors).toEqual([]);
});
