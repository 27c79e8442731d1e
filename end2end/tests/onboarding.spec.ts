import { test, expect, Page } from '@playwright/test';
import { watchErrors, hydrated, expectAccessible } from './helpers';

/** Console errors other than the HTTP 400 answers to the deliberately bad input. */
const unexpected = (errors: string[]) => errors.filter((e) => !e.includes('status of 400'));

// The demo register lists 20 licensed firms that have not joined yet; their
// credit codes follow db::demo::accounts::unjoined_credit_code (GB 32100).
const CHARSET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
function unjoinedCreditCode(n: number): string {
  let serial = 900000 + n;
  const id: string[] = [];
  for (let i = 0; i < 9; i++) { id.unshift(CHARSET[serial % 31]); serial = Math.floor(serial / 31); }
  const first17 = `91510104${id.join('')}`;
  const sum = [...first17].reduce((s, c, i) => s + CHARSET.indexOf(c) * WEIGHTS[i], 0);
  return first17 + CHARSET[(31 - (sum % 31)) % 31];
}

export const DEMO_PASSWORD = 'Zjcs-Demo-2026';

export async function signIn(page: Page, username: string, password = DEMO_PASSWORD) {
  await page.goto('/sign-in');
  await hydrated(page);
  await page.getByLabel('用户名').fill(username);
  await page.getByLabel('密码').fill(password);
  await page.getByRole('button', { name: '登录', exact: true }).click();
}

/** Opens the phone menu when it is collapsed. */
async function openMenu(page: Page) {
  const toggle = page.locator('label.nav-toggle-label');
  if (await toggle.isVisible()) await toggle.click();
}

test('@phone a new firm registers on a phone, corrects a rejected qualification, is approved and listed', async ({ page }) => {
  const errors = watchErrors(page);
  const n = 1 + (Date.now() % 20);
  const code = unjoinedCreditCode(n);
  const name = `四川示范第${n}工程咨询有限公司`;
  const username = `e2e.firm${Date.now() % 100000}`;

  // sign up: a bad credit code first, then the real one
  await page.goto('/sign-up');
  await hydrated(page);
  await page.getByLabel('中介服务机构').check();
  await page.getByLabel('单位名称').fill(name);
  await page.getByLabel('统一社会信用代码').fill(code.slice(0, 17) + (code[17] === '0' ? '1' : '0'));
  await page.getByLabel('用户名').fill(username);
  await page.getByLabel('密码', { exact: true }).fill(DEMO_PASSWORD);
  await page.getByLabel('再次输入密码').fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: '注册', exact: true }).click();
  await expect(page.locator('#credit_code-error')).toContainText('校验位');
  await expect(page.getByLabel('单位名称')).toHaveValue(name); // nothing typed is lost
  await page.getByLabel('统一社会信用代码').fill(code);
  await page.getByRole('button', { name: '注册', exact: true }).click();
  await expect(page).toHaveURL(/\/firm$/);
  await expect(page.getByTestId('firm-status')).toHaveText('填报中');
  await page.getByRole('link', { name: '继续填写入驻资料' }).click();

  // step 1: basic information (a bad phone number is named, then fixed)
  await expect(page.getByRole('heading', { name: '基本信息', level: 2 })).toBeVisible();
  await page.getByLabel('办公地址').fill('成都市锦江区红星路一段 1 号');
  await page.getByLabel('主要执业地区').selectOption({ label: '成都市 · 锦江区' });
  await page.getByLabel('联系人').fill('王五');
  await page.getByLabel('联系电话').fill('12345');
  await page.getByRole('button', { name: '保存并下一步' }).click();
  await expect(page.locator('#contact_phone-error')).toContainText('有效的手机号码');
  await page.getByLabel('联系电话').fill('028-85551234');
  await page.getByRole('button', { name: '保存并下一步' }).click();

  // step 2: staff
  await expect(page).toHaveURL(/step=2/);
  for (const [role, person, id] of [['法定代表人', '张三', '11010519491231002X'], ['主要技术人员', '李四', '51010419880712001X']]) {
    await page.getByLabel('人员类别').selectOption({ label: role });
    await page.getByLabel('姓名').fill(person);
    await page.getByLabel('职务 / 职称').fill('高级工程师');
    await page.getByLabel('身份证号码').fill(id);
    await page.getByLabel('手机号码').fill('13812345678');
    await page.getByRole('button', { name: '添加', exact: true }).click();
    await expect(page.locator('.entry', { hasText: person })).toBeVisible();
  }
  await page.getByRole('link', { name: '下一步' }).click();

  // step 3: scope
  await page.getByLabel('服务事项').selectOption({ value: 'ZJFW-001' });
  await page.getByLabel('收费标准').fill('市场调节价,按合同约定');
  await page.getByLabel('承诺办理时限(天)').fill('20');
  await page.getByRole('button', { name: '添加', exact: true }).click();
  await expect(page.locator('.entry', { hasText: 'ZJFW-001' })).toBeVisible();
  await page.getByRole('link', { name: '下一步' }).click();

  // step 4: a certificate the register does not know is rejected, then corrected
  await page.getByLabel('资质类别').selectOption({ value: 'GCZX' });
  await page.getByLabel('证书编号').fill('GCZX-DEMO-NEW-XX');
  await page.getByLabel('发证机关').fill('四川省发展和改革委员会');
  await page.getByLabel('有效期起').fill('2024-01-01');
  await page.getByLabel('有效期止').fill('2030-12-31');
  await page.getByRole('button', { name: '保存', exact: true }).click();
  const q = page.getByTestId('qualification');
  await expect(q.locator('.findings')).toContainText('登记库');
  await q.getByRole('link', { name: '更正' }).click();
  await expect(page.getByRole('heading', { name: '更正资质' })).toBeVisible();
  await page.getByLabel('证书编号').fill(`GCZX-DEMO-NEW-${String(n).padStart(2, '0')}`);
  await page.getByRole('button', { name: '保存', exact: true }).click();
  await expect(q.locator('.tag.ok')).toHaveText('核验通过');
  await expect(q.locator('.findings')).toHaveCount(0);
  // attach the scanned certificate: a text file disguised as a PDF is refused, a real PDF is kept
  await q.getByLabel('上传证书扫描件').setInputFiles({ name: '证书.pdf', mimeType: 'application/pdf', buffer: Buffer.from('MZ not a pdf') });
  await q.getByRole('button', { name: '上传', exact: true }).click();
  await expect(page.locator('.form-error')).toContainText('PDF');
  await hydrated(page);
  const pdf = Buffer.from('%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');
  await q.getByLabel('上传证书扫描件').setInputFiles({ name: '证书.pdf', mimeType: 'application/pdf', buffer: pdf });
  await q.getByRole('button', { name: '上传', exact: true }).click();
  await expect(q.getByRole('link', { name: /证书扫描件: 证书\.pdf/ })).toBeVisible();
  await hydrated(page); // the upload was a full page load
  await page.getByRole('link', { name: '下一步' }).click();

  // step 5: the commitment letter
  await expect(page.locator('.commitment')).toContainText('一地失信,全省受限');
  await page.getByRole('button', { name: '签署承诺书' }).click();
  await expect(page.locator('#accept-error')).toBeVisible();
  await page.getByLabel('本机构已阅读并同意以上承诺').check();
  await page.getByRole('button', { name: '签署承诺书' }).click();
  await expect(page).toHaveURL(/step=6/);

  // step 6: nothing missing; submit
  await expect(page.getByText('已于')).toBeVisible();
  await expect(page.getByTestId('gaps')).toHaveCount(0);
  await expectAccessible(page);
  await page.getByRole('button', { name: '提交审核' }).click();
  await expect(page).toHaveURL(/\/firm$/);
  await expect(page.getByTestId('firm-status')).toHaveText('待审核');

  // the operator approves it from the review queue
  await openMenu(page);
  await page.getByRole('button', { name: '退出' }).click();
  await expect(page).toHaveURL(/\/$/);
  await signIn(page, 'operator');
  await expect(page).toHaveURL(/\/operator\/reviews/);
  await hydrated(page);
  await page.getByLabel('机构名称或统一社会信用代码').fill(code);
  await page.getByRole('button', { name: '搜索' }).click();
  await expect(page.getByTestId('queue-count')).toHaveText('待审核 1 份');
  await page.getByRole('link', { name }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(name);
  await expect(page.getByText('核验通过')).toBeVisible();
  await expectAccessible(page);
  await page.getByRole('button', { name: '审核通过' }).click();
  await expect(page).toHaveURL(/\/operator\/reviews$/);
  await expect(page.getByRole('link', { name })).toHaveCount(0);

  // listed in the public directory, with its data
  await page.goto('/firms');
  await hydrated(page);
  await page.getByLabel('名称或信用代码').fill(code);
  await page.getByRole('button', { name: '搜索' }).click();
  await expect(page.locator('.card.firm')).toHaveCount(1);
  await page.locator('.card.firm h3 a').click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(name);
  await expect(page.locator('a[href="/items/ZJFW-001"]')).toBeVisible();
  await expect(page.getByRole('rowheader', { name: '李四' })).toBeVisible();
  await expect(page.getByText('11010519491231002X')).toHaveCount(0); // ID numbers masked
  expect(unexpected(errors)).toEqual([]);
});

test('@nojs sign-in works without JavaScript, and bad credentials are named', async ({ page }) => {
  await page.goto('/sign-in');
  await page.getByLabel('用户名').fill('firm');
  await page.getByLabel('密码').fill('wrong-password-1');
  await page.getByRole('button', { name: '登录', exact: true }).click();
  await expect(page.locator('#password-error')).toContainText('用户名或密码不正确');
  await page.getByLabel('用户名').fill('firm');
  await page.getByLabel('密码').fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: '登录', exact: true }).click();
  await expect(page).toHaveURL(/\/firm$/);
  await expect(page.getByTestId('firm-status')).toHaveText('已入库');
  // a page that needs a role tells others to sign in (401) or that they may not (403)
  const res = await page.goto('/operator/reviews');
  expect(res?.status()).toBe(403);
  await page.goto('/firm');
  await openMenu(page);
  await page.getByRole('button', { name: '退出' }).click();
  const anon = await page.goto('/firm');
  expect(anon?.status()).toBe(401);
  await expect(page.getByRole('link', { name: '登录' }).last()).toBeVisible();
});

test('the administrator creates a scoped regulator account', async ({ page }) => {
  const errors = watchErrors(page);
  await signIn(page, 'admin');
  await expect(page).toHaveURL(/\/admin\/accounts/);
  const username = `e2e.reg${Date.now() % 100000}`;
  await page.getByLabel('角色').selectOption({ label: '行业主管部门' });
  await page.getByLabel('用户名').fill(username);
  await page.getByLabel('名称').fill('成都市住建局(测试)');
  await page.getByLabel('初始密码').fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: '创建' }).click();
  await expect(page.locator('#region_code-error')).toContainText('所辖行政区划');
  await page.getByLabel('行政区划').selectOption({ label: '成都市' });
  await page.getByRole('button', { name: '创建' }).click();
  await expect(page.locator('#industry_code-error')).toContainText('主管行业');
  await page.getByLabel('行业', { exact: true }).selectOption({ label: '住房城乡建设' });
  await page.getByRole('button', { name: '创建' }).click();
  await expect(page.locator('.form-ok')).toContainText('账户已创建');
  await expect(page.getByRole('cell', { name: username })).toBeVisible();
  await expectAccessible(page);
  expect(unexpected(errors)).toEqual([]);
});

test('the operator imports the qualification register from CSV; bad rows are listed by line', async ({ page }) => {
  const errors = watchErrors(page);
  await signIn(page, 'operator');
  await expect(page).toHaveURL(/\/operator\/reviews/);
  await page.goto('/operator/register');
  await hydrated(page);
  const csv = [
    'type_code,certificate_no,holder_credit_code,holder_name,grade,valid_from,valid_to,revoked',
    'GCZX,GCZX-E2E-0001,91510100MA61R6XK1H,成都示例工程咨询有限公司,不分级,2024-01-01,2029-12-31,0',
    'GCZX,GCZX-E2E-0002,91510100MA61R6XK1C,校验位错误公司,不分级,2024-01-01,2029-12-31,0',
  ].join('\n');
  await page.getByLabel('CSV 文件').setInputFiles({ name: '登记库.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
  await page.getByRole('button', { name: '导入', exact: true }).click();
  await expect(page).toHaveURL(/\/operator\/register$/);
  await expect(page.getByTestId('last-import')).toContainText('登记库.csv');
  await expect(page.getByTestId('last-import')).toContainText('未导入 1 条');
  await expect(page.getByTestId('rejected-lines')).toContainText('第 3 行');
  await expectAccessible(page);
  expect(unexpected(errors)).toEqual([]);
});
