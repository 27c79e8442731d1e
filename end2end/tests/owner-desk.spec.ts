import { test, expect, Page } from '@playwright/test';
import { watchErrors, hydrated, expectAccessible } from './helpers';

// The demo project owner (项目业主) drafts and publishes a selection
// announcement (选取公告) from its desk. Runs on desktop and on the phone.
const OWNER = 'owner';
const PASSWORD = 'Zjcs-Demo-2026';

/** `YYYY-MM-DDTHH:MM` (Asia/Shanghai) `n` working days (Mon–Fri) after now, same
 * time of day plus `extraMinutes`: the value of the form's datetime-local input. */
function workingDaysAhead(n: number, extraMinutes = 30): string {
  const d = new Date(Date.now() + 8 * 3_600_000 + extraMinutes * 60_000);
  let left = n;
  while (left > 0) {
    d.setUTCDate(d.getUTCDate() + 1);
    const wd = d.getUTCDay();
    if (wd !== 0 && wd !== 6) left--;
  }
  return d.toISOString().slice(0, 16);
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
async function fillForm(page: Page, f: { title: string; budget: string; deadline: string }) {
  await page.getByLabel('项目名称').fill(f.title);
  await page.getByLabel('项目代码').fill(`XM-${Date.now() % 1_000_000}`);
  await page.getByLabel('中介服务事项').selectOption('ZJFW-011'); // 建设工程监理: 工程监理资质 乙级
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
  await expect(page.getByRole('link', { name: '我的项目' })).toHaveAttribute('href', '/owner');
  await expectAccessible(page);

  await page.getByRole('link', { name: '发布选取公告' }).first().click();
  await expect(page).toHaveURL(/\/owner\/announcements\/new$/);
  await hydrated(page);
  await expect(page.getByTestId('deadline-hint')).toContainText('至少 3 个工作日');
  await fitsPhone(page, isMobile);

  // choosing the service item fills in its qualification requirement
  const title = `办公楼改造监理服务${Date.now() % 100000}`;
  // a deadline too soon to publish, but fine for a draft; a budget that is not a number
  await fillForm(page, { title, budget: '十二万', deadline: workingDaysAhead(1) });
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
  await page.getByLabel('报名(报价)截止时间').fill(workingDaysAhead(4));
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
  expect(errors).toEqual([]);
});

test('an owner cancels a draft from the desk with a public reason', async ({ page }) => {
  await signIn(page, '/owner/announcements/new');
  await hydrated(page);
  const title = `待终止的测绘服务${Date.now() % 100000}`;
  await fillForm(page, { title, budget: '30000', deadline: workingDaysAhead(5) });
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

test('pages of other roles: a firm and a regulator see their own lists; the owner desk is for owners', async ({ page }) => {
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
  await fillForm(page, { title, budget: '-5', deadline: workingDaysAhead(4) });
  await page.getByRole('button', { name: '保存草稿' }).click();
  await expect(page.locator('#budget-error')).toBeVisible();
  await expect(page.locator('#budget-error')).not.toContainText('announcement.');
  // method fields follow the chosen method without JavaScript too (CSS only)
  await expect(page.getByLabel('评分项')).toBeHidden();
  await page.getByLabel('择优选取').check();
  await expect(page.getByLabel('评分项')).toBeVisible();
  await page.getByLabel('随机抽取').check();
  await fillForm(page, { title, budget: '88000.50', deadline: workingDaysAhead(4) });
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
