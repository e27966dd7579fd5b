// Logs in as every role, opens each menu page, saves screenshots (desktop and phone), and fails
// on any 5xx response, an untranslated i18n key, or a character the fonts cannot draw.
import { chromium } from 'playwright-core';
import assert from 'node:assert/strict';

const BASE = process.env.DAIBAN_URL;
const ROLES = ['ent.demo', 'dainan.agent1', 'fgw.helper', 'dainan.leader', 'bureau.coord1', 'city.leader', 'sys.admin', 'sys.auditor'];
const KEY_PREFIXES = ['app', 'a11y', 'nav', 'role', 'kind', 'cadre', 'login', 'error', 'home', 'unit', 'units', 'user', 'users', 'account', 'audit', 'directory', 'enterprises', 'enterprise', 'common', 'calendar', 'holiday', 'projects', 'project', 'mandate', 'case', 'catalog', 'clock', 'print', 'inbox', 'notice', 'material', 'backdate', 'timeline', 'event', 'problem', 'rating', 'rectification', 'meeting', 'action_item', 'personnel', 'activities', 'visits', 'survey', 'complaint', 'monthly_report', 'evaluation', 'announcement', 'demand', 'consult', 'faq', 'search'];
const keyPattern = new RegExp(`\\b(${KEY_PREFIXES.join('|')})\\.[a-z_0-9]+\\b`);

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
let failures = 0;
let passed = 0;
function check(name, fn) {
  return fn().then(() => { passed++; console.log(`ok   ${name}`); }, (e) => { failures++; console.log(`FAIL ${name}: ${e.message}`); });
}

async function missingGlyphs(page) {
  return page.evaluate(() => {
    const text = document.body.innerText;
    const chars = [...new Set([...text].filter((c) => c.charCodeAt(0) > 0x2e80))];
    const font = getComputedStyle(document.body).fontFamily;
    const draw = (ch) => {
      const c = document.createElement('canvas');
      c.width = 40; c.height = 40;
      const g = c.getContext('2d');
      g.font = `28px ${font}`;
      g.fillText(ch, 4, 30);
      return c.toDataURL();
    };
    const tofu = draw('\uE000');
    return chars.filter((ch) => draw(ch) === tofu);
  });
}

for (const [vw, tag] of [[{ width: 1280, height: 860 }, 'desktop'], [{ width: 390, height: 844 }, 'phone']]) {
  for (const user of ROLES) {
    await check(`${user} (${tag})`, async () => {
      const ctx = await browser.newContext({ viewport: vw, locale: 'zh-CN' });
      const page = await ctx.newPage();
      const errors = [];
      page.on('response', (r) => { if (r.status() >= 500) errors.push(`${r.status()} ${r.url()}`); });
      await page.goto(`${BASE}/login`);
      assert.equal(await page.locator('html').getAttribute('lang'), 'zh-CN');
      await page.getByLabel('用户名').fill(user);
      await page.getByLabel('密码').fill('daiban2026');
      await page.getByRole('button', { name: '登录' }).click();
      await page.waitForURL(`${BASE}/`);
      await page.screenshot({ path: `artifacts/${tag}-${user}-home.png`, fullPage: true });
      const links = await page.locator('nav.side a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
      assert.ok(links.length >= 2, 'menu has entries');
      for (const href of links) {
        const resp = await page.goto(`${BASE}${href}`);
        assert.ok(resp.status() < 400, `${href} answered ${resp.status()}`);
        // Codes shown as data (audit actions such as unit.create) are in <code>/<pre>: skip them.
        const body = await page.evaluate(() => { const b = document.body.cloneNode(true); b.querySelectorAll('code, pre').forEach((e) => e.remove()); return b.innerText; });
        const m = body.match(keyPattern);
        assert.equal(m, null, `untranslated key on ${href}: ${m && m[0]}`);
        const missing = await missingGlyphs(page);
        assert.deepEqual(missing, [], `characters without a glyph on ${href}`);
        if (tag === 'desktop') await page.screenshot({ path: `artifacts/${tag}-${user}${href.replaceAll('/', '_')}.png`, fullPage: true });
      }
      // The English toggle.
      await page.goto(`${BASE}/`);
      await page.locator('header a.lang').click();
      assert.equal(await page.locator('html').getAttribute('lang'), 'en');
      const body = await page.evaluate(() => { const b = document.body.cloneNode(true); b.querySelectorAll('code, pre').forEach((e) => e.remove()); return b.innerText; });
      assert.ok(body.includes('Workbench'), 'English home');
      assert.equal(body.match(keyPattern), null, 'untranslated key in English');
      if (tag === 'desktop') await page.screenshot({ path: `artifacts/${tag}-${user}-home-en.png`, fullPage: true });
      assert.deepEqual(errors, [], 'server errors');
      await ctx.close();
    });
  }
}

await check('a wrong password shows the message in the form', async () => {
  const page = await browser.newPage();
  await page.goto(`${BASE}/login`);
  await page.getByLabel('用户名').fill('sys.admin');
  await page.getByLabel('密码').fill('wrong-password1');
  await page.getByRole('button', { name: '登录' }).click();
  await page.locator('#login-error').waitFor();
  assert.match(await page.locator('#login-error').innerText(), /用户名或密码错误/);
  await page.close();
});

await check('the administrator creates a unit through the form, keyboard only', async () => {
  const page = await browser.newPage();
  await page.goto(`${BASE}/login`);
  await page.keyboard.press('Tab');
  await page.getByLabel('用户名').fill('sys.admin');
  await page.getByLabel('密码').fill('daiban2026');
  await page.keyboard.press('Enter');
  await page.waitForURL(`${BASE}/`);
  await page.goto(`${BASE}/admin/units/new`);
  await page.getByLabel('单位名称').fill('');
  await page.getByRole('button', { name: '保存' }).click();
  assert.match(await page.locator('.field-error').first().innerText(), /不能为空|单位代码/);
  await page.getByLabel('单位代码').fill('T-E2E');
  await page.getByLabel('单位名称').fill('测试镇');
  await page.getByRole('button', { name: '保存' }).click();
  await page.locator('.flash').waitFor();
  await page.screenshot({ path: 'artifacts/desktop-admin-unit-created.png', fullPage: true });
  await page.close();
});

await check('the administrator imports a year from a JSON file (TEST fixture), then it is on the year page', async () => {
  const page = await browser.newPage();
  await page.goto(`${BASE}/login`);
  await page.getByLabel('用户名').fill('sys.admin');
  await page.getByLabel('密码').fill('daiban2026');
  await page.keyboard.press('Enter');
  await page.waitForURL(`${BASE}/`);
  await page.goto(`${BASE}/admin/calendar`);
  await page.setInputFiles('#calendar-file', new URL('../crates/daiban/tests/fixtures/2027-test.json', import.meta.url).pathname);
  await page.waitForFunction(() => document.getElementById('arrangement').value.includes('"year": 2027'));
  await page.getByRole('button', { name: '校验并导入' }).click();
  await page.locator('.flash').waitFor();
  assert.match(await page.locator('.flash').innerText(), /2027 年第 1 版/);
  await page.goto(`${BASE}/calendar/2027`);
  assert.ok((await page.locator('td.day.holiday').count()) > 20, 'holidays of 2027 marked');
  await page.screenshot({ path: 'artifacts/desktop-admin-calendar-imported.png', fullPage: true });
  await page.close();
});

async function login(ctx, user) {
  const page = await ctx.newPage();
  await page.goto(`${BASE}/login`);
  await page.getByLabel('用户名').fill(user);
  await page.getByLabel('密码').fill('daiban2026');
  await page.getByRole('button', { name: '登录' }).click();
  await page.waitForURL(`${BASE}/`);
  return page;
}

await check('a project and one item from registration to approval, in the browser', async () => {
  const errors = [];
  const watch = (page) => page.on('response', (r) => { if (r.status() >= 500) errors.push(`${r.status()} ${r.url()}`); });
  // The administrator loads the default catalog if the demo has none.
  let ctx = await browser.newContext({ locale: 'zh-CN' });
  let page = await login(ctx, 'sys.admin');
  watch(page);
  await page.goto(`${BASE}/catalog`);
  const load = page.getByRole('button', { name: '加载默认事项目录' });
  if (await load.count()) { await load.click(); await page.locator('.flash').waitFor(); }
  await page.screenshot({ path: 'artifacts/desktop-catalog.png', fullPage: true });
  await ctx.close();

  // The enterprise registers a project, signs the mandate, requests the filing item.
  ctx = await browser.newContext({ locale: 'zh-CN' });
  page = await login(ctx, 'ent.demo');
  watch(page);
  await page.goto(`${BASE}/projects/new`);
  await page.getByLabel('项目名称').fill('E2E 新材料生产线');
  await page.getByLabel('总投资').fill('8600');
  await page.getByLabel('所属行业').fill('新材料');
  await page.getByRole('button', { name: '登记项目' }).click();
  await page.locator('.flash').waitFor();
  const projectUrl = page.url().split('?')[0];
  await page.getByLabel('本人确认：委托出于自愿，代办服务免费').check();
  await page.getByRole('button', { name: '签订委托' }).click();
  await page.locator('.flash').waitFor();
  await page.locator('input[name=item][value="XH-FGW-001"]').check();
  await page.getByRole('button', { name: '提交申请' }).click();
  await page.locator('.flash').waitFor();
  await page.screenshot({ path: 'artifacts/desktop-ent.demo-project.png', fullPage: true });
  const caseHref = await page.locator('a[href^="/cases/"]').first().getAttribute('href');
  await ctx.close();

  // The bureau (acting for the agent side) accepts, issues a one-time notice, completes and submits.
  ctx = await browser.newContext({ locale: 'zh-CN' });
  page = await login(ctx, 'bureau.coord1');
  watch(page);
  const act = async (label, fill) => {
    await page.goto(`${BASE}${caseHref}`);
    const box = page.locator('details.action').filter({ has: page.locator('summary').filter({ hasText: new RegExp(`^${label}$`) }) });
    await box.locator('summary').first().click();
    if (fill) await fill(box);
    await box.getByRole('button', { name: label, exact: true }).click();
    await page.locator('.flash').waitFor();
  };
  await act('受理', async (box) => { await box.locator('input[name=materials]').first().check(); });
  await act('一次性告知', async (box) => {
    await box.locator('input[name=demand]').last().check();
    await box.locator('input[name^=dnote_]').last().fill('请加盖企业公章');
  });
  await page.goto(`${BASE}${caseHref}/notices/1/print`);
  assert.ok((await page.locator('h1').innerText()).includes('一次性告知书'));
  await page.screenshot({ path: 'artifacts/desktop-notice-print.png', fullPage: true });
  await act('材料齐全', async (box) => { for (const c of await box.locator('input[name=materials]').all()) await c.check(); });
  await act('报送');
  await ctx.close();

  // The department's helper accepts and approves; the enterprise sees it in its timeline.
  ctx = await browser.newContext({ locale: 'zh-CN' });
  page = await login(ctx, 'fgw.helper');
  watch(page);
  await act('部门受理');
  await act('准予');
  await page.screenshot({ path: 'artifacts/desktop-fgw.helper-case.png', fullPage: true });
  await ctx.close();
  ctx = await browser.newContext({ locale: 'zh-CN', viewport: { width: 390, height: 844 } });
  page = await login(ctx, 'ent.demo');
  watch(page);
  await page.goto(projectUrl);
  assert.ok((await page.locator('main').innerText()).includes('已准予'));
  await page.screenshot({ path: 'artifacts/phone-ent.demo-project-done.png', fullPage: true });
  await ctx.close();
  assert.deepEqual(errors, [], 'server errors');
});

await check('the bureau approves a staff adjustment; the handover record and the filing form', async () => {
  const errors = [];
  const ctx = await browser.newContext({ locale: 'zh-CN' });
  const page = await login(ctx, 'bureau.coord1');
  page.on('response', (r) => { if (r.status() >= 500) errors.push(`${r.status()} ${r.url()}`); });
  await page.goto(`${BASE}/personnel`);
  await page.screenshot({ path: 'artifacts/desktop-personnel-register.png', fullPage: true });
  // The demo's adjustment awaiting the bureau: the outgoing agent served under two years, shown before deciding.
  await page.locator('#h-pending').waitFor();
  await page.locator('section[aria-labelledby=h-pending] a[href^="/personnel/filings/"]').first().click();
  assert.ok((await page.locator('main').innerText()).includes('任职不满2年即调整'), 'the broken rule is shown');
  await page.getByLabel('审核意见（退回时必填）').fill('工作需要，同意调整');
  await page.getByRole('button', { name: '同意', exact: true }).click();
  await page.waitForURL(/\/personnel\/handovers\/\d+/);
  const main = await page.locator('main').innerText();
  assert.ok(main.includes('移交清单'), 'the handover record');
  await page.screenshot({ path: 'artifacts/desktop-personnel-handover.png', fullPage: true });
  const unitHref = await page.locator('nav.crumbs a[href^="/personnel/units/"]').first().getAttribute('href');
  await page.goto(`${BASE}${unitHref}`);
  await page.screenshot({ path: 'artifacts/desktop-personnel-unit.png', fullPage: true });
  await page.goto(`${BASE}${unitHref}/print`);
  assert.ok((await page.locator('h1').innerText()).includes('报备表'));
  await page.screenshot({ path: 'artifacts/desktop-personnel-print.png', fullPage: true });
  await ctx.close();
  assert.deepEqual(errors, [], 'server errors');
});

await check('the bureau schedules a training, records attendance and a return visit', async () => {
  const errors = [];
  const ctx = await browser.newContext({ locale: 'zh-CN' });
  const page = await login(ctx, 'bureau.coord1');
  page.on('response', (r) => { if (r.status() >= 500) errors.push(`${r.status()} ${r.url()}`); });
  // Schedule a training for a whole unit, a week ahead.
  await page.goto(`${BASE}/activities`);
  await page.getByLabel('活动类型').selectOption('training');
  await page.getByLabel('活动主题').fill('E2E 业务培训');
  const d = new Date(Date.now() + 7 * 86400000 + 8 * 3600000);
  await page.getByLabel('活动时间').fill(`${d.toISOString().slice(0, 10)}T09:00`);
  await page.getByLabel('活动地点').fill('市政务服务中心 5 楼培训室');
  const unit = page.locator('details.action').first();
  await unit.locator('summary').click();
  await unit.locator('input[name=unit]').check();
  await page.getByRole('button', { name: '发出通知' }).click();
  await page.locator('.flash').waitFor();
  assert.ok((await page.locator('main').innerText()).includes('E2E 业务培训'));
  await page.goto(`${BASE}/activities`);
  // Attendance of a held demo activity, corrected through its form.
  const held = page.locator('tbody tr').filter({ hasText: '已举行' }).first().locator('a').first();
  await held.click();
  await page.locator('select[name^=att_]').first().selectOption('late');
  await page.getByRole('button', { name: '保存出勤记录' }).click();
  await page.locator('.flash').waitFor();
  assert.ok((await page.locator('main').innerText()).includes('迟到'));
  await page.goto(`${page.url().split('?')[0]}/sign-in`);
  assert.ok((await page.locator('h1').innerText()).includes('签到表'));
  // A return visit from the visit plan.
  await page.goto(`${BASE}/visit-plan`);
  await page.screenshot({ path: 'artifacts/desktop-visit-plan.png', fullPage: true });
  await page.locator('a[href^="/return-visits/new?enterprise_id="]').first().click();
  // Every project of the enterprise, so each person offered for appraisal served one of them.
  for (const p of await page.locator('input[name=project]').all()) await p.check();
  await page.getByLabel('回访方式').selectOption('phone');
  await page.getByLabel('企业意见和建议').fill('E2E 电话回访：企业对代办服务满意。');
  const rating = page.locator('select[name^=rating_]').first();
  if (await rating.count()) await rating.selectOption('very_satisfied');
  await page.getByRole('button', { name: '保存回访记录' }).click();
  await page.locator('.flash').waitFor();
  assert.ok((await page.locator('main').innerText()).includes('E2E 电话回访'));
  await page.screenshot({ path: 'artifacts/desktop-return-visit.png', fullPage: true });
  await ctx.close();
  assert.deepEqual(errors, [], 'server errors');
});

await check('the evaluation: a published quarter, a scorecard with its evidence, the review, the public notice', async () => {
  const errors = [];
  const ctx = await browser.newContext({ locale: 'zh-CN' });
  const page = await login(ctx, 'bureau.coord1');
  page.on('response', (r) => { if (r.status() >= 500) errors.push(`${r.status()} ${r.url()}`); });
  await page.goto(`${BASE}/evaluation?quarter=2026Q3`);
  const main = await page.locator('main').innerText();
  assert.ok(main.includes('2026Q3') && main.includes('通报记录') && main.includes('版本 1'), 'Q3 published, with its revisions');
  await page.screenshot({ path: 'artifacts/desktop-evaluation-q3.png', fullPage: true });
  // The last-ranked unit lost points: its scorecard links each finding to its evidence.
  await page.locator('tbody tr').last().locator('a[href*="/units/"]').click();
  await page.waitForURL(/\/evaluation\/2026Q3\/units\/\d+/);
  const card = await page.locator('main').innerText();
  assert.ok(card.includes('民主评议答卷'), 'the appraisal answers behind the 30 points');
  assert.ok(await page.locator('main table a').count() > 0, 'findings link to their evidence');
  await page.screenshot({ path: 'artifacts/desktop-evaluation-scorecard.png', fullPage: true });
  // Q4 is in progress: confirm one proposed finding.
  await page.goto(`${BASE}/findings?quarter=2026Q4&state=proposed`);
  const before = await page.locator('tbody tr').count();
  assert.ok(before > 0, 'Q4 has findings to review');
  await page.locator('tbody tr').first().getByRole('button', { name: '确认' }).click();
  await page.waitForLoadState('load');
  await page.goto(`${BASE}/findings?quarter=2026Q4&state=proposed`);
  assert.equal(await page.locator('tbody tr').count(), before - 1, 'one fewer to review');
  await page.screenshot({ path: 'artifacts/desktop-evaluation-findings.png', fullPage: true });
  await ctx.close();
  // The public notice needs no login, on a phone too.
  const anon = await browser.newContext({ locale: 'zh-CN', viewport: { width: 390, height: 844 } });
  const pub = await anon.newPage();
  pub.on('response', (r) => { if (r.status() >= 500) errors.push(`${r.status()} ${r.url()}`); });
  const resp = await pub.goto(`${BASE}/public/evaluation`);
  assert.equal(resp.status(), 200);
  assert.ok((await pub.locator('main').innerText()).includes('2026Q3'), 'published quarters listed');
  await pub.screenshot({ path: 'artifacts/phone-public-evaluation.png', fullPage: true });
  await anon.close();
  assert.deepEqual(errors, [], 'server errors');
});

await browser.close();
console.log(`\n${passed} passed, ${failures} failed`);
process.exit(failures ? 1 : 0);
