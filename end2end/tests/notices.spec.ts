import { test, expect, Page } from '@playwright/test';
import { watchErrors, hydrated, expectAccessible, num } from './helpers';

// Notices (通知公告) and policies (政策法规). The public tests read the demo
// notices (`db::notices::seed_demo_notices`, called by the demo loader): 8
// published, the 入驻指南 pinned, one draft.
const GUIDE = '四川省网上中介超市中介服务机构入驻指南';
const RULES = '四川省网上中介服务超市管理办法(摘要)';
const RATING = '关于开展2026年度中介服务机构信用评价工作的通知';
const DRAFT = '关于2027年元旦假期平台服务安排的通知';

const items = (page: Page) => page.locator('.notice-list .notice-item');

test('notices: tabs, title search and a notice page', async ({ page }) => {
  const errors = watchErrors(page);
  await page.goto('/notices');
  await hydrated(page);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('通知公告');
  expect(num(await page.getByTestId('notice-count').textContent())).toBeGreaterThanOrEqual(8);
  // pinned first; drafts are not public
  await expect(items(page).first()).toContainText(GUIDE);
  await expect(items(page).first().locator('.tag.pinned')).toHaveText('置顶');
  await expect(page.getByText(DRAFT)).toHaveCount(0);
  await expectAccessible(page);

  // the policies tab shows only policies
  await page.getByRole('navigation', { name: '栏目' }).getByRole('link', { name: '政策法规' }).click();
  await expect(page).toHaveURL(/kind=policy/);
  await expect(items(page).first()).toBeVisible();
  for (const tag of await items(page).locator('.tag.kind-policy, .tag.kind-notice').allTextContents()) expect(tag).toBe('政策法规');

  // search within policies by title, then open the result
  await page.getByLabel('按标题搜索通知公告').fill('管理办法');
  await page.getByRole('button', { name: '搜索' }).click();
  await expect(page).toHaveURL(/q=/);
  await expect(items(page)).toHaveCount(1);
  await items(page).getByRole('link', { name: RULES }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(RULES);
  await expect(page.locator('.notice-body')).toContainText('第一条');
  await expect(page.getByRole('navigation', { name: '当前位置' })).toContainText('政策法规');
  await expectAccessible(page);

  // a search that finds nothing says so
  await page.goto('/notices?q=' + encodeURIComponent('不存在的标题xyz'));
  await expect(page.locator('.empty')).toContainText('没有标题包含该关键词');
  expect(errors).toEqual([]);
});

test('the home page shows the latest notices, pinned first', async ({ page }) => {
  await page.goto('/');
  await hydrated(page);
  const block = page.locator('section.home-notices');
  await expect(block.getByRole('heading', { name: '通知公告' })).toBeVisible();
  await expect(block.locator('.notice-item')).toHaveCount(5);
  await expect(block.locator('.notice-item').first()).toContainText(GUIDE);
  await block.getByRole('link', { name: /查看全部通知公告/ }).click();
  await expect(page).toHaveURL(/\/notices$/);
});

test('unknown notices answer 404', async ({ page }) => {
  for (const path of ['/notices/999999', '/notices/abc']) {
    const res = await page.goto(path);
    expect(res?.status()).toBe(404);
    await expect(page.getByRole('alert')).toContainText('不存在');
  }
});

test('@nojs notices list, search and detail work without JavaScript', async ({ page }) => {
  await page.goto('/notices');
  await expect(items(page).first()).toContainText(GUIDE);
  await page.getByLabel('按标题搜索通知公告').fill('信用评价');
  await page.getByRole('button', { name: '搜索' }).click();
  await expect(page).toHaveURL(/q=%E4%BF%A1%E7%94%A8/);
  await expect(items(page)).toHaveCount(1);
  await page.getByRole('link', { name: RATING }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(RATING);
  await expect(page.locator('.notice-body table')).toBeVisible();
  await page.getByRole('navigation', { name: '当前位置' }).getByRole('link', { name: '通知公告' }).last().click();
  await expect(page).toHaveURL(/kind=notice/);
  await expect(page.getByText(RULES)).toHaveCount(0);
});

// ---- operators ----------------------------------------------------------------
// The demo operator account comes from the demo loader (README: demo accounts).
const OPERATOR = 'operator';
const PASSWORD = 'Zjcs-Demo-2026';

async function signIn(page: Page, next: string) {
  await page.goto(`/sign-in?next=${encodeURIComponent(next)}`);
  await hydrated(page);
  await page.getByLabel('用户名').fill(OPERATOR);
  await page.getByLabel('密码').fill(PASSWORD);
  await page.getByRole('button', { name: '登录', exact: true }).click();
  await expect(page).toHaveURL(new RegExp(`${next.replace(/[/]/g, '\\/')}$`));
}

const PDF = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');

test('an operator writes a notice with an attachment, publishes it, and the public sees it', async ({ page }) => {
  const errors = watchErrors(page);
  const title = `端到端测试通知 ${Date.now()}`;
  await signIn(page, '/operator/notices');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('通知公告管理');
  // drafts are listed too; the title search finds the demo draft
  await page.getByLabel('按标题搜索通知公告').fill('元旦');
  await page.getByRole('button', { name: '搜索' }).click();
  await expect(page).toHaveURL(/q=/);
  await expect(page.getByRole('link', { name: DRAFT, exact: true })).toBeVisible();
  await expect(page.getByRole('row').filter({ hasText: DRAFT })).toContainText('草稿');
  await page.getByRole('link', { name: '新建通知公告' }).click();

  // every field has its own message
  await page.getByRole('button', { name: '保存' }).click();
  await expect(page.locator('#title-error')).toHaveText('请填写标题。');
  await page.getByLabel('标题', { exact: true }).fill(title);
  await page.getByLabel('政策法规').check();
  await page.getByLabel('正文').fill('# 要点\n\n<script>alert(1)</script>\n\n[办事指南](https://www.sczwfw.gov.cn/) [坏链接](javascript:alert(2))');
  await page.getByRole('button', { name: '保存' }).click();
  await expect(page).toHaveURL(/\/operator\/notices\/\d+\/edit\?saved=1$/);
  await expect(page.locator('.form-ok')).toHaveText('已保存。');
  await expect(page.locator('.notice-body')).toContainText('<script>alert(1)</script>');

  // a disguised file is refused, a real PDF is attached
  const upload = page.getByLabel('添加附件');
  await upload.setInputFiles({ name: '伪装.pdf', mimeType: 'application/pdf', buffer: Buffer.from('<html><script>x</script></html>') });
  await page.getByRole('button', { name: '上传' }).click();
  await expect(page.locator('#file-error')).toContainText('只能上传 PDF、JPG 或 PNG 文件');
  await upload.setInputFiles({ name: '评价细则.pdf', mimeType: 'application/pdf', buffer: PDF });
  await page.getByRole('button', { name: '上传' }).click();
  await expect(page.locator('.attachment-edit')).toContainText('评价细则.pdf');
  await expectAccessible(page);

  // the 5 MiB limit: exactly 5 MiB is stored (no body limit cuts it short), one byte more is refused
  const MIB5 = 5 * 1024 * 1024;
  const big = (n: number) => Buffer.concat([PDF, Buffer.alloc(n - PDF.length, 0x20)]);
  const post = (n: number) => page.request.post('/api/files/upload', { multipart: { file: { name: '大文件.pdf', mimeType: 'application/pdf', buffer: big(n) } } });
  const ok = await post(MIB5);
  expect(ok.status()).toBe(200);
  expect((await ok.json()).size_bytes).toBe(MIB5);
  const tooBig = await post(MIB5 + 1);
  expect(tooBig.status()).toBe(400);
  expect(await tooBig.json()).toEqual({ InvalidInput: { field: 'file', key: 'files.too_large' } });

  // publish from the list
  await page.goto('/operator/notices');
  await hydrated(page);
  await page.getByRole('button', { name: `发布 ${title}` }).click();
  await expect(page.getByRole('button', { name: `撤回 ${title}` })).toBeVisible();

  // the public page: raw HTML shows as text, the bad link lost its href, the attachment downloads safely
  await page.goto('/notices?kind=policy');
  await page.getByRole('link', { name: title }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(title);
  await expect(page.locator('.notice-body')).toContainText('<script>alert(1)</script>');
  await expect(page.locator('.notice-body a')).toHaveCount(1);
  const link = page.getByRole('link', { name: '评价细则.pdf' });
  const href = await link.getAttribute('href');
  const res = await page.request.get(href!);
  expect(res.status()).toBe(200);
  expect(res.headers()['content-type']).toBe('application/pdf');
  expect(res.headers()['x-content-type-options']).toBe('nosniff');
  expect(res.headers()['content-security-policy']).toMatch(/^sandbox/);
  expect(res.headers()['content-disposition']).toMatch(/^attachment; .*filename\*=UTF-8''%E8%AF%84/);
  expect(Buffer.from(await res.body()).equals(PDF)).toBe(true);

  // withdraw again: the page and its attachment are gone for the public
  await page.goto('/operator/notices');
  await hydrated(page);
  await page.getByRole('button', { name: `撤回 ${title}` }).click();
  await expect(page.getByRole('button', { name: `发布 ${title}` })).toBeVisible();
  const anonymous = await page.context().browser()!.newContext();
  expect((await anonymous.request.get(new URL(href!, page.url()).toString())).status()).toBe(404);
  await anonymous.close();
  // the refused save and upload above answer 400 on purpose; nothing else may fail
  expect(errors.filter((e) => !e.includes('status of 400'))).toEqual([]);
  expect(errors.length).toBe(2);
});

test('@nojs an operator saves a notice and attaches a file without JavaScript', async ({ page }) => {
  const title = `无脚本测试通知 ${Date.now()}`;
  await page.goto('/sign-in?next=' + encodeURIComponent('/operator/notices/new'));
  await page.getByLabel('用户名').fill(OPERATOR);
  await page.getByLabel('密码').fill(PASSWORD);
  await page.getByRole('button', { name: '登录', exact: true }).click();
  await expect(page).toHaveURL(/\/operator\/notices\/new$/);
  await page.getByLabel('正文').fill('正文内容');
  await page.getByRole('button', { name: '保存' }).click();
  await expect(page.locator('#title-error')).toHaveText('请填写标题。');
  await page.getByLabel('标题', { exact: true }).fill(title);
  await page.getByLabel('正文').fill('正文内容');
  await page.getByRole('button', { name: '保存' }).click();
  await expect(page).toHaveURL(/\/operator\/notices\/\d+\/edit\?saved=1$/);
  await expect(page.locator('.form-ok')).toHaveText('已保存。');

  // the upload is a plain multipart form: refused files come back with their message
  const upload = page.getByLabel('添加附件');
  await upload.setInputFiles({ name: '证书.pdf', mimeType: 'application/pdf', buffer: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d]) });
  await page.getByRole('button', { name: '上传' }).click();
  await expect(page.locator('#file-error')).toContainText('文件扩展名或类型与文件内容不符');
  await page.getByLabel('添加附件').setInputFiles({ name: '说明.pdf', mimeType: 'application/pdf', buffer: PDF });
  await page.getByRole('button', { name: '上传' }).click();
  await expect(page.locator('.attachment-edit')).toContainText('说明.pdf');
  await expect(page.locator('#file-error')).toHaveCount(0);
  await page.getByRole('button', { name: '移除 说明.pdf' }).click();
  await expect(page.locator('.attachment-edit')).toHaveCount(0);
  await expect(page.getByText('还没有附件。')).toBeVisible();
});
