import { test, expect } from '@playwright/test';
import { watchErrors, hydrated, expectAccessible, num } from './helpers';

test('home loads, hydrates, shows figures from the database, no console errors', async ({ page }) => {
  const errors = watchErrors(page);
  const res = await page.goto('/');
  expect(res?.status()).toBe(200);
  await hydrated(page);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('四川省网上中介超市');
  for (const id of ['stat-items', 'stat-firms', 'stat-projects', 'stat-open']) {
    expect(num(await page.getByTestId(id).locator('.stat-value').textContent())).toBeGreaterThan(0);
  }
  expect(num(await page.getByTestId('stat-items').locator('.stat-value').textContent())).toBeGreaterThanOrEqual(40);
  await expect(page.locator('.latest .card')).toHaveCount(8);
  await expectAccessible(page);
  expect(errors).toEqual([]);
});

test('catalogue filter works after hydration', async ({ page }) => {
  const errors = watchErrors(page);
  await page.goto('/items');
  await hydrated(page);
  const all = num(await page.getByTestId('item-count').textContent());
  expect(all).toBeGreaterThanOrEqual(40);
  await page.getByLabel('行业').selectOption({ label: '生态环境' });
  await page.getByRole('button', { name: '筛选' }).click();
  await expect(page).toHaveURL(/industry=HJ/);
  await expect.poll(async () => num(await page.getByTestId('item-count').textContent())).toBeLessThan(all);
  const cards = page.locator('.card.item');
  expect(await cards.count()).toBeGreaterThan(0);
  for (const industry of await cards.locator('dd').first().allTextContents()) expect(industry).toBe('生态环境');
  // still the same document: the router navigated without a reload
  await expect(page.locator('body')).toHaveAttribute('data-hydrated', 'true');
  // keyword narrows further and unknown words show the empty state
  await page.getByLabel('关键词').fill('不存在的事项名称');
  await page.getByRole('button', { name: '筛选' }).click();
  await expect(page.locator('.empty')).toContainText('没有符合条件的服务事项');
  await expectAccessible(page);
  expect(errors).toEqual([]);
});

test('pager moves through the catalogue', async ({ page }) => {
  await page.goto('/items');
  await hydrated(page);
  const first = await page.locator('.card.item h3').first().textContent();
  await page.getByRole('navigation', { name: '分页' }).getByRole('link', { name: '下一页' }).click();
  await expect(page).toHaveURL(/page=2/);
  await expect(page.locator('.card.item h3').first()).not.toHaveText(first ?? '');
});

test('item detail shows every catalogue field; unknown item is a 404', async ({ page }) => {
  await page.goto('/items');
  await hydrated(page);
  await page.locator('.card.item h3 a').first().click();
  await expect(page).toHaveURL(/\/items\/ZJFW-001$/);
  for (const label of ['相关审批事项', '设定依据', '资质要求', '服务时限', '收费依据', '审批部门']) {
    await expect(page.getByRole('article').locator('dt', { hasText: label })).toBeVisible();
  }
  await expectAccessible(page);
  const res = await page.goto('/items/NO-SUCH-ITEM');
  expect(res?.status()).toBe(404);
  await expect(page.getByRole('alert')).toContainText('不存在');
  const res2 = await page.goto('/no/such/page');
  expect(res2?.status()).toBe(404);
  await expect(page.getByRole('heading', { name: '404' })).toBeVisible();
});

test('announcement page from the home list', async ({ page }) => {
  await page.goto('/');
  await hydrated(page);
  const title = await page.locator('.latest .card h3 a').first().textContent();
  await page.locator('.latest .card h3 a').first().click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(title ?? '');
  await expect(page.locator('dt', { hasText: '项目编号' })).toBeVisible();
  await expectAccessible(page);
});

test('language switch to English and back', async ({ page, isMobile }) => {
  await page.goto('/items');
  if (isMobile) await page.locator('label[for="nav-toggle"]').click();
  await page.getByRole('link', { name: 'English' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Service items');
  await expect(page).toHaveURL(/\/items$/);
  await page.goto('/lang/zh-CN?to=%2F');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('四川省网上中介超市');
  // no open redirect
  const res = await page.request.get('/lang/en?to=//evil.example', { maxRedirects: 0 });
  expect(res.headers()['location']).toBe('/');
});

test('@phone navigation collapses behind the menu button', async ({ page }) => {
  await page.goto('/');
  await hydrated(page);
  const nav = page.getByRole('navigation', { name: '主导航' });
  await expect(nav).toBeHidden();
  await page.locator('label[for="nav-toggle"]').click();
  await expect(nav).toBeVisible();
  await nav.getByRole('link', { name: '服务事项' }).click();
  await expect(page).toHaveURL(/\/items$/);
  // nothing wider than the screen
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(0);
});

test('@nojs the portal works with JavaScript disabled', async ({ page }) => {
  await page.goto('/');
  await expect(page.locator('body')).not.toHaveAttribute('data-hydrated', 'true');
  expect(num(await page.getByTestId('stat-projects').locator('.stat-value').textContent())).toBeGreaterThan(0);
  // home search → catalogue (plain GET form)
  await page.getByLabel('搜索中介服务事项').fill('评价');
  await page.getByRole('button', { name: '搜索' }).click();
  await expect(page).toHaveURL(/\/items\?q=/);
  await expect(page.locator('.card.item').first()).toBeVisible();
  const titles = await page.locator('.card.item h3').allTextContents();
  expect(titles.length).toBeGreaterThan(0);
  // filter form
  await page.getByLabel('行业').selectOption({ label: '气象' });
  await page.getByLabel('关键词').fill('');
  await page.getByRole('button', { name: '筛选' }).click();
  await expect(page).toHaveURL(/industry=QX/);
  await expect(page.getByLabel('行业')).toHaveValue('QX');
  for (const industry of await page.locator('.card.item dd').first().allTextContents()) expect(industry).toBe('气象');
  // a bad page number is explained, not a crash
  await page.goto('/items?page=0');
  await expect(page.getByRole('alert')).toContainText('页码');
  // (axe-core needs JavaScript; the same pages are checked in the JS-on projects)
});

test('public statistics: self-hosted ECharts only there, figures that add up, drill-down, the documented subset', async ({ page }) => {
  const errors = watchErrors(page);
  const scripts: string[] = [];
  page.on('request', (r) => { if (r.resourceType() === 'script') scripts.push(new URL(r.url()).pathname); });
  await page.goto('/');
  await hydrated(page);
  await page.goto('/items');
  await hydrated(page);
  expect(scripts.filter((s) => s.includes('echarts'))).toEqual([]);
  await page.goto('/stats');
  // trend, map, regions, industries, methods
  await expect(page.locator('.chart canvas')).toHaveCount(5);
  expect(scripts).toContain('/vendor/echarts.min.js');
  expect(scripts.every((s) => !s.startsWith('http'))).toBe(true);
  await expect(page.locator('.dashboard-path')).toHaveText('四川省');
  // the cities add up to the province, and so do the months
  const published = num(await page.locator('[data-kpi="published"] strong').textContent());
  expect(published).toBeGreaterThan(0);
  const column = async (testid: string) =>
    (await page.getByTestId(testid).locator('tbody tr td:nth-of-type(1)').allTextContents()).reduce((a, b) => a + num(b), 0);
  expect(await column('region-table')).toBe(published);
  expect(await column('trend-table')).toBe(published);
  // what serves supervision is not public
  await expect(page.getByTestId('stats-subset')).toContainText('投诉');
  await expect(page.locator('[data-kpi="complaints"], [data-kpi="new_firms"]')).toHaveCount(0);
  await expect(page.getByTestId('export-xlsx')).toHaveCount(0);
  await expect(page.getByTestId('chart-grades')).toHaveCount(0);
  await expect(page.locator('#df-item')).toHaveCount(0);
  await expectAccessible(page);
  // drill into the largest city: its figures, its counties
  const first = page.getByTestId('region-table').locator('tbody tr').first();
  const cityName = (await first.locator('th a').textContent())!.trim();
  const cityProjects = num(await first.locator('td').first().textContent());
  await first.locator('th a').click();
  await expect(page).toHaveURL(/\/stats\?.*region=51\d{2}00/);
  await expect(page.locator('.dashboard-path')).toHaveText(`四川省 › ${cityName}`);
  await expect(page.locator('[data-kpi="published"] strong')).toHaveText(String(cityProjects));
  expect(await column('region-table')).toBe(cityProjects);
  expect(errors).toEqual([]);
  // a bad month in a shared link is named next to the field (the page answers 400)
  const bad = await page.goto('/stats?from=2026-13');
  expect(bad?.status()).toBe(400);
  await expect(page.getByRole('alert')).toContainText('月份');
});

test('a click on the province map drills into the city under the pointer', async ({ page }) => {
  await page.goto('/stats');
  const map = page.getByTestId('chart-map').locator('.chart');
  await expect(map.locator('canvas')).toHaveCount(1);
  await hydrated(page);
  // where central Chengdu (104.07°E, 30.67°N) is drawn on the canvas, once the map has drawn
  await expect.poll(() => map.evaluate((el) => {
    const c = (window as any).echarts.getInstanceByDom(el);
    const p = c && c.convertToPixel({ seriesIndex: 0 }, [104.07, 30.67]);
    return Array.isArray(p) && p.every((v: number) => Number.isFinite(v));
  })).toBe(true);
  await map.scrollIntoViewIfNeeded();
  // the chart may still redraw or resize right after hydration: measure, click, and
  // try again until a click lands (a map that does not drill never passes)
  await expect(async () => {
    const [x, y] = await map.evaluate((el) => (window as any).echarts.getInstanceByDom(el).convertToPixel({ seriesIndex: 0 }, [104.07, 30.67]));
    const box = (await map.boundingBox())!;
    await page.mouse.click(box.x + x, box.y + y);
    await expect(page).toHaveURL(/\/stats\?.*region=510100/, { timeout: 2000 });
  }).toPass({ timeout: 20000 });
  await expect(page.locator('.dashboard-path')).toHaveText('四川省 › 成都市');
});

test('client-side navigation to statistics draws the charts too', async ({ page, isMobile }) => {
  await page.goto('/');
  await hydrated(page);
  if (isMobile) await page.locator('label[for="nav-toggle"]').click();
  await page.getByRole('navigation', { name: '主导航' }).getByRole('link', { name: '统计' }).click();
  await expect(page).toHaveURL(/\/stats$/);
  await expect(page.locator('.chart canvas')).toHaveCount(5);
});
