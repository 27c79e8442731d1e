import { test, expect, Page } from '@playwright/test';
import { hydrated, expectAccessible, watchErrors } from './helpers';

// The open data page (开放数据), the publication policy every OCDS package
// points to: reached from the footer, it says what is published and what never
// is, the licence, the ocid prefix and the package addresses, and links the
// last twelve months' bulk packages; a month's link is a JSON release package
// holding only that month's releases. Desktop and phone projects run these;
// the page is also checked without JavaScript.

const MONTH_LINK = /^\/api\/v1\/ocds\/months\/\d{4}-\d{2}$/;

async function expectPolicy(page: Page) {
  await expect(page.getByRole('heading', { name: '开放数据', level: 1 })).toBeVisible();
  await expect(page.getByTestId('open-data-published')).toContainText('月度批量包');
  // the platform's own documentType codes (an open codelist) are documented here
  await expect(page.getByTestId('open-data-reviews')).toContainText('zjcsObjection');
  await expect(page.getByTestId('open-data-reviews')).toContainText('reviewBody');
  await expect(page.getByTestId('open-data-principle')).toContainText('除涉及国家秘密、商业秘密和个人隐私外');
  await expect(page.getByTestId('open-data-licence')).toContainText('CC BY 4.0');
  await expect(page.getByTestId('open-data-ocid')).toContainText(/ocds-[a-z0-9]+-ZJ20261100001/);
  const urls = page.getByTestId('open-data-urls');
  for (const pattern of ['/api/v1/ocds/records/{公告编号}', '/api/v1/ocds/releases/{公告编号}', '/api/v1/ocds/months/{YYYY-MM}']) {
    await expect(urls.getByText(pattern, { exact: true })).toBeVisible();
  }
  await expect(page.getByTestId('open-data-docs')).toHaveAttribute('href', '/api/v1/docs');
  const months = page.getByTestId('open-data-months').getByRole('link');
  await expect(months).toHaveCount(12);
  for (const href of await months.evaluateAll((links) => links.map((a) => a.getAttribute('href') ?? ''))) {
    expect(href).toMatch(MONTH_LINK);
  }
  return months;
}

test('the open data page, reached from the footer, explains the publication and links monthly bulk packages that are JSON', async ({ page }) => {
  const errors = watchErrors(page);
  await page.goto('/');
  await hydrated(page);
  await page.getByTestId('footer-open-data').click();
  await expect(page).toHaveURL(/\/open-data$/);
  const months = await expectPolicy(page);

  // newest first, one month apart
  const keys = await months.evaluateAll((links) => links.map((a) => a.getAttribute('data-month') ?? ''));
  expect([...keys].sort().reverse()).toEqual(keys);
  expect(new Set(keys).size).toBe(12);
  const [y, m] = keys[1].split('-').map(Number);
  expect(keys[0]).toBe(m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, '0')}`);

  // a month's link is its bulk release package: JSON, only that month's releases
  const month = keys[1];
  const link = page.getByTestId('open-data-months').locator(`a[data-month="${month}"]`);
  await expect(link).toHaveAccessibleName(`${month} 月度批量包`);
  const href = await link.getAttribute('href');
  expect(href).toBe(`/api/v1/ocds/months/${month}`);
  const res = await page.request.get(href!);
  expect(res.status()).toBe(200);
  expect(res.headers()['content-type']).toContain('application/json');
  const body = await res.json();
  expect(Array.isArray(body.releases)).toBe(true);
  expect(body.uri).toMatch(new RegExp(`/api/v1/ocds/months/${month}$`));
  expect(body.publicationPolicy).toMatch(/\/open-data$/);
  for (const r of body.releases) expect(r.date.startsWith(month)).toBe(true);

  await expectAccessible(page);
  expect(errors).toEqual([]);
});

test('@nojs the open data page is complete without JavaScript', async ({ page }) => {
  const res = await page.goto('/open-data');
  expect(res?.status()).toBe(200);
  const months = await expectPolicy(page);
  const href = await months.first().getAttribute('href');
  const pkg = await page.request.get(href!);
  expect(pkg.status()).toBe(200);
  expect(Array.isArray((await pkg.json()).releases)).toBe(true);
});
