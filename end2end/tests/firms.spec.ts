import { test, expect } from '@playwright/test';
import { watchErrors, hydrated, expectAccessible, num } from './helpers';

test('firm directory: search by name, filter, open a profile with masked personal data', async ({ page }) => {
  const errors = watchErrors(page);
  await page.goto('/firms');
  await hydrated(page);
  const all = num(await page.getByTestId('firm-count').textContent());
  expect(all).toBeGreaterThanOrEqual(1800);
  await expect(page.locator('.card.firm')).toHaveCount(20);

  // filter by region: every firm is in Chengdu
  await page.getByLabel('主要经营地').selectOption({ label: '成都市' });
  await page.getByRole('button', { name: '搜索' }).click();
  await expect(page).toHaveURL(/region=510100/);
  await expect.poll(async () => num(await page.getByTestId('firm-count').textContent())).toBeLessThan(all);

  // open the first firm; its credit code then finds exactly it
  const name = (await page.locator('.card.firm h3').first().textContent()) ?? '';
  const code = (await page.locator('.card.firm .code').first().textContent()) ?? '';
  await page.locator('.card.firm h3 a').first().click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(name);
  await expect(page.locator('dd', { hasText: code })).toBeVisible();
  for (const h of ['服务范围', '资质', '从业人员']) await expect(page.getByRole('heading', { name: h, exact: true })).toBeVisible();
  const ids = await page.getByTestId('staff-table').locator('tbody td:nth-child(5)').allTextContents();
  expect(ids.length).toBeGreaterThan(1);
  for (const id of ids) expect(id).toMatch(/^\d{4}\*{12}[\dX]{2}$/);
  for (const phone of await page.getByTestId('staff-table').locator('tbody td:nth-child(6)').allTextContents()) {
    expect(phone).toMatch(/^1\d{2}\*{4}\d{4}$/);
  }
  await expectAccessible(page);

  await page.goto('/firms');
  await hydrated(page);
  await page.getByLabel('名称或信用代码').fill(code.toLowerCase());
  await page.getByRole('button', { name: '搜索' }).click();
  await expect(page.locator('.card.firm')).toHaveCount(1);
  await expect(page.locator('.card.firm h3')).toHaveText(name);
  await expectAccessible(page);
  expect(errors).toEqual([]);
});

test('unknown and malformed credit codes', async ({ page }) => {
  const res = await page.goto('/firms/91350100M000100Y43');
  expect(res?.status()).toBe(404);
  const bad = await page.goto('/firms/91350100M000100Y44');
  expect(bad?.status()).toBe(400);
  await expect(page.getByRole('alert')).toContainText('校验位');
});

test('@nojs firm directory search works without JavaScript', async ({ page }) => {
  await page.goto('/firms');
  await page.getByLabel('排序').selectOption({ label: '按名称' });
  await page.getByLabel('资质等级').selectOption({ label: '甲级' });
  await page.getByRole('button', { name: '搜索' }).click();
  await expect(page).toHaveURL(/grade=/);
  await expect(page).toHaveURL(/sort=name/);
  await expect(page.locator('.card.firm').first()).toBeVisible();
  const names = await page.locator('.card.firm h3').allTextContents();
  expect(names.length).toBeGreaterThan(0);
  expect([...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))).toEqual(names);
  await page.getByRole('navigation', { name: '分页' }).getByRole('link', { name: '下一页' }).click();
  await expect(page).toHaveURL(/page=2/);
  await expect(page.locator('.card.firm').first()).toBeVisible();
});
