import { test, expect, request as playwrightRequest } from '@playwright/test';
import { hydrated, watchErrors } from './helpers';
import { BASE, userPage } from './trading-helpers';

// Approval cases from other platforms (数据上传接口), end to end: the operator
// registers a platform (a bad code is named next to its field), issues a key
// and sees the secret once; the platform uploads a case with it; the regulator
// finds the case at /supervision/cases with its stage history; the operator
// revokes the key and the upload API refuses it (401). Desktop and phone
// projects both run this, each with its own platform and case numbers.
test.use({ baseURL: BASE });
test.describe.configure({ mode: 'serial' });

let secret = '';
let caseNo = '';

test('the operator registers a platform, issues a key shown once, a case is uploaded with it, and the key is revoked', async ({ browser }) => {
  const project = test.info().project.name.replace(/[^a-z]/g, '');
  const code = `e2e-${project}-${Date.now().toString(36)}`;
  caseNo = `E2E-${project}-${Date.now()}`;
  const operator = await userPage(browser, 'operator');
  const errors = watchErrors(operator);
  await operator.goto('/operator/platforms');
  await hydrated(operator);
  await expect(operator.getByRole('heading', { name: '审批平台接入(数据上传接口)', level: 1 })).toBeVisible();

  // a bad code is refused and named
  await operator.getByLabel('平台代码').fill('AB');
  await operator.getByLabel('平台名称').fill('端到端测试审批平台');
  await operator.getByRole('button', { name: '登记平台' }).click();
  await expect(operator.getByText('平台代码须为 2–32 位小写字母、数字或 -,以字母开头。')).toBeVisible();

  await operator.getByLabel('平台代码').fill(code);
  await operator.getByRole('button', { name: '登记平台' }).click();
  const platform = operator.getByTestId('platform').filter({ hasText: code });
  await expect(platform).toBeVisible();
  await expect(platform).toContainText('尚无密钥。');

  // the key: shown once, listed by its first characters only
  await platform.getByRole('button', { name: '签发新密钥' }).click();
  const shown = operator.getByTestId('issued-secret');
  await expect(shown).toBeVisible();
  secret = (await shown.textContent()) ?? '';
  expect(secret).toMatch(/^zjk_[0-9a-f]{40}$/);
  await expect(operator.getByText('密钥只显示这一次', { exact: false })).toBeVisible();
  const key = platform.getByTestId('api-key');
  await expect(key).toHaveCount(1);
  await expect(key).toContainText(secret.slice(0, 8));
  await expect(key.getByTestId('key-status')).toHaveText('有效');

  // the platform uploads a case (first event) and moves it on; a bad field is named
  const api = await playwrightRequest.newContext({ baseURL: BASE });
  const at = (minutesAgo: number) => new Date(Date.now() - minutesAgo * 60_000).toISOString();
  const res = await api.post('/api/ingest/v1/events', {
    headers: { Authorization: `Bearer ${secret}` },
    data: { events: [
      { event_id: `${caseNo}-1`, case_no: caseNo, stage: 'received', at: at(90), title: '端到端测试施工图审查', applicant: '成都端到端建设有限公司',
        region_code: '510104', department_code: 'ZJBM', item_code: 'ZJFW-010' },
      { event_id: `${caseNo}-2`, case_no: caseNo, stage: 'accepted', at: at(60) },
      { event_id: `${caseNo}-3`, case_no: `${caseNo}-X`, stage: 'received', at: at(60), title: '区划错误', applicant: '某公司',
        region_code: '519999', department_code: 'ZJBM' },
    ] },
  });
  expect(res.status()).toBe(200);
  const reply = await res.json();
  expect(reply.results.map((r: any) => r.status)).toEqual(['created', 'created', 'rejected']);
  expect(reply.results[2].errors[0].field).toBe('events[2].region_code');

  // the secret is not on the page after a reload; the key was used
  await operator.reload();
  await hydrated(operator);
  await expect(operator.getByTestId('issued-secret')).toHaveCount(0);
  await expect(operator.getByText(secret)).toHaveCount(0);
  await expect(platform).toContainText('已报送 1 件');

  // revoke: the API refuses the key
  await platform.getByRole('button', { name: '吊销' }).click();
  await expect(platform.getByTestId('key-status')).toContainText('已吊销于');
  const refused = await api.post('/api/ingest/v1/events', {
    headers: { Authorization: `Bearer ${secret}` },
    data: { events: [{ event_id: `${caseNo}-4`, case_no: caseNo, stage: 'reviewing', at: at(30) }] },
  });
  expect(refused.status()).toBe(401);
  await api.dispose();
  // the refused (bad) platform code is answered 400 on purpose; nothing else may fail
  expect(errors.filter((e) => !e.includes('status of 400'))).toEqual([]);
});

test('a regulator finds the uploaded case with its stage history and filters by stage', async ({ browser }) => {
  expect(caseNo, 'the previous test uploads the case').not.toBe('');
  const regulator = await userPage(browser, 'regulator');
  const errors = watchErrors(regulator);
  await regulator.goto('/supervision/cases');
  await hydrated(regulator);
  await expect(regulator.getByRole('heading', { name: '审批办件(外部平台报送)', level: 1 })).toBeVisible();
  const item = regulator.getByTestId('approval-case').filter({ hasText: caseNo });
  await expect(item).toBeVisible();
  await expect(item.getByTestId('case-stage')).toHaveText('受理');
  await expect(item).toContainText('端到端测试施工图审查');
  await expect(item.locator('.stage-history li')).toHaveCount(2);

  await regulator.getByLabel('环节', { exact: true }).selectOption('concluded');
  await regulator.getByRole('button', { name: '搜索' }).click();
  await expect(regulator).toHaveURL(/stage=concluded/);
  await expect(regulator.getByTestId('approval-case').filter({ hasText: caseNo })).toHaveCount(0);
  for (const c of await regulator.getByTestId('case-stage').all()) {
    await expect(c).toHaveText('办结');
  }
  // nothing overflows a phone's width
  const overflow = await regulator.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(1);
  expect(errors).toEqual([]);
});
