import { mkdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Result } from '@facegate/domain';
import { type Sandbox, type SandboxScenario, startSandbox } from '@facegate/wechat-sandbox';
import type { Browser, Page, Route } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, watchPage } from '../../../tests/support/chromium';
import { TOKENS } from '../src/composition/tokens';
import { loadConfig } from '../src/config/load-config';
import { type RunningGateway, startGateway } from '../src/http/server';
import { ensureConsoleBuilt } from './support/console-build';
import { CONSENT } from './support/flows';

/**
 * The console as an operator sees it: every page at a laptop's 1366x768 and a phone's 390x844, in both
 * languages, screenshotted into test-output/console-screenshots/ (git-ignored) and checked for horizontal
 * overflow and overlapping blocks; the chart's labels in the page's language; the same failure reason on every
 * page; and a translated error with a Retry that works, for each kind of failed request.
 */
const screenshots = resolve(import.meta.dirname, '../../../test-output/console-screenshots');

const LANGS = ['zh-CN', 'en'] as const;
type Lang = (typeof LANGS)[number];
const VIEWPORTS = [
  { name: 'laptop', width: 1366, height: 768 },
  { name: 'phone', width: 390, height: 844 },
  // a tablet in portrait: wide enough for tables, narrow enough to squeeze them
  { name: 'tablet', width: 820, height: 1180 },
] as const;

/** Each page: its hash route and what is on it once its data arrived. */
const PAGES = [
  { name: 'overview', route: 'overview', ready: '[data-testid="outcome-chart"] canvas' },
  { name: 'failures', route: 'failures', ready: '[data-testid="user-failures"] tr[data-code]' },
  { name: 'sessions', route: 'sessions', ready: '[data-testid="session-row"]' },
  { name: 'session', route: 'sessions/<failed>', ready: '[data-testid="timeline"] li[data-kind="ENDED"]' },
  { name: 'webhooks', route: 'webhooks', ready: '[data-testid="endpoint-row"]' },
  { name: 'keys', route: 'keys', ready: '[data-testid="key-row"]' },
  { name: 'system', route: 'system', ready: '[data-testid="system-facts"]' },
] as const;

const PERSON = { name: '张三', idCardNumber: '11010519491231002X' };

/**
 * What is wrong with the layout of the page as rendered, as sentences (empty when nothing is):
 * - the document scrolls sideways, or any visible element's box ends past the viewport's right edge;
 * - two blocks of the main layout overlap: the header's parts, header and main, a page's sections, the
 *   overview's cards, the filter fields, the page heading's parts.
 * Runs in the page.
 */
function layoutProblems(): string[] {
  const problems: string[] = [];
  const width = window.innerWidth;
  const scroller = document.scrollingElement as HTMLElement;
  if (scroller.scrollWidth > width)
    problems.push(`document scrolls sideways: ${scroller.scrollWidth} > ${width}`);
  const describe = (element: Element) => {
    const id = element.getAttribute('data-testid');
    const cls = element.getAttribute('class');
    const text = (element.textContent ?? '').trim().slice(0, 30);
    return `<${element.tagName.toLowerCase()}${id ? ` data-testid=${id}` : ''}${cls ? ` class="${cls}"` : ''}> "${text}"`;
  };
  for (const element of document.body.querySelectorAll('*')) {
    const box = element.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) continue;
    if (box.right > width + 0.5) problems.push(`${describe(element)} ends at x=${Math.round(box.right)}`);
  }
  const groups = [
    'body > #app > *',
    'header > *',
    'main > section > *',
    '.page-head > *',
    '.cards > *',
    '.filters > *',
  ];
  for (const selector of groups) {
    const parents = new Map<Element, Element[]>();
    for (const element of document.querySelectorAll(selector)) {
      const box = element.getBoundingClientRect();
      if (box.width === 0 || box.height === 0) continue;
      const siblings = parents.get(element.parentElement as Element) ?? [];
      siblings.push(element);
      parents.set(element.parentElement as Element, siblings);
    }
    for (const siblings of parents.values()) {
      for (let i = 0; i < siblings.length; i++) {
        for (let j = i + 1; j < siblings.length; j++) {
          const a = siblings[i]!.getBoundingClientRect();
          const b = siblings[j]!.getBoundingClientRect();
          // more than a pixel of shared area: borders that touch are not an overlap
          const x = Math.min(a.right, b.right) - Math.max(a.left, b.left);
          const y = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
          if (x > 1 && y > 1) problems.push(`${describe(siblings[i]!)} overlaps ${describe(siblings[j]!)}`);
        }
      }
    }
  }
  return problems;
}

describe('operator console layout, chart labels, failure reasons and error states (Chromium, both languages)', () => {
  let sandbox: Sandbox;
  let running: RunningGateway;
  let browser: Browser;
  let adminKey: string;
  let failedId: string;

  async function gql(query: string, variables: Record<string, unknown>, token?: string) {
    const response = await fetch(running.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    // biome-ignore lint/suspicious/noExplicitAny: the seeding reads a few known fields
    const body = (await response.json()) as { data?: any; errors?: { message: string }[] };
    if (body.errors) throw new Error(body.errors[0]!.message);
    return body.data;
  }

  /** One V2 session through the public API and the sandbox's device; `leave` stops before the device. */
  async function seed(openid: string, scenario: SandboxScenario | 'leave', clientReferenceId?: string) {
    const { signIn } = await gql('mutation($c: String!) { signIn(code: $c) { token } }', {
      c: sandbox.device.login(openid),
    });
    const { startVerification: s } = await gql(
      `mutation($input: StartVerificationInput!) { startVerification(input: $input) {
        id clientParams { ... on V2ClientParams { verifyId } } } }`,
      {
        // the user accepted the current consent text (the default a new gateway publishes) on the device
        input: {
          ...PERSON,
          protocol: 'V2',
          consent: CONSENT,
          ...(clientReferenceId ? { clientReferenceId } : {}),
        },
      },
      signIn.token,
    );
    if (scenario === 'leave') return s.id as string;
    const check = sandbox.device.runV2Check({ openid, verifyId: s.clientParams.verifyId, scenario });
    await gql(
      'mutation($input: ConfirmVerificationInput!) { confirmVerification(input: $input) { id } }',
      { input: { id: s.id, clientErrCode: check.errCode } },
      signIn.token,
    );
    return s.id as string;
  }

  /** A browser context signed in with the admin key, in `lang`, at the viewport's size. */
  async function openConsole(lang: Lang, viewport: { width: number; height: number }) {
    const context = await browser.newContext({ viewport, locale: lang });
    await context.addInitScript(
      ([key, language]) => {
        sessionStorage.setItem('facegate.console.key', key);
        localStorage.setItem('facegate.console.lang', language);
      },
      [adminKey, lang] as const,
    );
    const page = await context.newPage();
    const watch = watchPage(page, new URL(running.url).origin);
    await page.goto(`${running.url}/console/#/overview`);
    await page.getByTestId('viewer-name').waitFor();
    return { context, page, watch };
  }

  async function visit(page: Page, route: string, ready: string) {
    await page.evaluate(
      (hash) => {
        location.hash = hash;
      },
      `#/${route.replace('<failed>', encodeURIComponent(failedId))}`,
    );
    await page.locator(ready).first().waitFor();
    // fonts and the chart's resize settle before anything is measured
    await page.evaluate(() => document.fonts.ready.then(() => new Promise((r) => requestAnimationFrame(r))));
  }

  beforeAll(async () => {
    mkdirSync(screenshots, { recursive: true });
    await ensureConsoleBuilt();
    sandbox = await startSandbox({ port: 0 });
    running = await startGateway(
      loadConfig({
        PORT: '0',
        HOST: '127.0.0.1',
        DATABASE_URL: 'memory:',
        DATA_DIR: '/nonexistent/facegate-console-layout-test',
        FACEGATE_SECRET: 'console-layout-test-secret-0123456789abcdef',
        LOG_LEVEL: 'silent',
      }),
      { sandbox },
    );
    const keys = running.container.resolve(TOKENS.ApiKeys);
    adminKey = createdKey(await keys.create('operations-lead-night-shift', ['console:admin']));
    const webhooksKey = createdKey(await keys.create('integrator', ['webhooks:write']));
    // a long URL nobody listens on: its deliveries fail and the page shows their errors
    await gql(
      'mutation($url: String!) { createWebhookEndpoint(url: $url, events: [VERIFICATION_STARTED, VERIFICATION_FAILED], description: "orders and refunds, production") { endpoint { id } } }',
      { url: `http://127.0.0.1:9/webhooks/facegate/${'verification-events-'.repeat(4)}receiver` },
      webhooksKey,
    );
    await seed('o_layout_verified_1', 'pass');
    failedId = await seed('o_layout_failed_with_a_rather_long_openid_0123456789abcdef', 'id_mismatch');
    await seed('o_layout_retrying', 'face_mismatch', `order-${'2026120600'.repeat(3)}`);
    await seed('o_layout_pending', 'leave', 'order-7');
    browser = await launchChromium();
    console.log(`console screenshots: ${screenshots}`);
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await running?.close();
    await sandbox?.close();
  });

  for (const lang of LANGS) {
    for (const viewport of VIEWPORTS) {
      it(`${lang} at ${viewport.width}x${viewport.height}: every page fits the width and no blocks overlap`, async () => {
        // signed out first: the sign-in form
        const signedOut = await browser.newContext({ viewport, locale: lang });
        try {
          await signedOut.addInitScript(
            (language) => localStorage.setItem('facegate.console.lang', language),
            lang,
          );
          const page = await signedOut.newPage();
          await page.goto(`${running.url}/console/`);
          await page.getByTestId('sign-in').waitFor();
          await page.screenshot({
            path: join(screenshots, `${lang}-${viewport.width}x${viewport.height}-sign-in.png`),
            fullPage: true,
          });
          expect({ page: 'sign-in', problems: await page.evaluate(layoutProblems) }).toEqual({
            page: 'sign-in',
            problems: [],
          });
        } finally {
          await signedOut.close();
        }
        const { context, page, watch } = await openConsole(lang, viewport);
        try {
          for (const target of PAGES) {
            await visit(page, target.route, target.ready);
            await page.screenshot({
              path: join(screenshots, `${lang}-${viewport.width}x${viewport.height}-${target.name}.png`),
              fullPage: true,
            });
            expect({ page: target.name, problems: await page.evaluate(layoutProblems) }).toEqual({
              page: target.name,
              problems: [],
            });
          }
          expect(watch.consoleErrors).toEqual([]);
          expect(watch.outsideRequests).toEqual([]);
        } finally {
          await context.close();
        }
      }, 120_000);
    }
  }

  const CHART_TICKS: Record<Lang, { HOUR: RegExp; DAY: RegExp; legend: RegExp; time: string }> = {
    'zh-CN': {
      HOUR: /^\d{2}:\d{2}(\n\d{1,2}月\d{1,2}日)?$/,
      DAY: /^\d{1,2}月\d{1,2}日$/,
      legend: /^\d{4}年\d{1,2}月\d{1,2}日 \d{2}:\d{2}–\d{2}:\d{2}$/,
      time: '时间',
    },
    en: {
      HOUR: /^\d{2}:\d{2}(\n[A-Z][a-z]{2} \d{1,2})?$/,
      DAY: /^[A-Z][a-z]{2} \d{1,2}$/,
      legend: /^[A-Z][a-z]{2} \d{1,2}, \d{4} \d{2}:\d{2}–\d{2}:\d{2}$/,
      time: 'Time',
    },
  };

  for (const lang of LANGS) {
    it(`${lang}: the outcome chart's ticks, legend and hover readout are in ${lang}, and the plot fills its card as it resizes`, async () => {
      const { context, page } = await openConsole(lang, { width: 1366, height: 768 });
      try {
        const chart = page.getByTestId('outcome-chart');
        await chart.locator('canvas').waitFor();
        const ticks = async () =>
          JSON.parse((await chart.locator('.chart-plot').getAttribute('data-x-ticks')) ?? '[]') as string[];
        // today has ticks at any time of day, even with one bucket just after midnight
        await expect.poll(async () => (await ticks()).length).toBeGreaterThanOrEqual(2);
        for (const tick of await ticks()) expect(tick).toMatch(CHART_TICKS[lang].HOUR);
        // the last 24 hours: hourly buckets whatever the time of day the test runs at
        await page.getByTestId('period').selectOption('last24h');
        await expect.poll(async () => (await ticks()).length).toBeGreaterThan(2);
        const hourly = await ticks();
        for (const tick of hourly) expect(tick).toMatch(CHART_TICKS[lang].HOUR);
        // the first tick names its day; no 12-hour clock, no m/d/yy
        expect(hourly[0]).toContain('\n');
        expect(hourly.join(' ')).not.toMatch(/am|pm|\d+\/\d+\/\d+/i);
        const legend = chart.locator('.u-legend');
        const labels = await legend.locator('.u-label').allTextContents();
        expect(labels[0]).toBe(CHART_TICKS[lang].time);
        expect(labels.slice(1)).toEqual(
          lang === 'zh-CN'
            ? ['通过', '失败', '取消', '过期', '进行中']
            : ['Verified', 'Failed', 'Canceled', 'Expired', 'Pending'],
        );
        // the readout under the cursor: the bucket's day and hours, counts as numbers
        // (moved on each try: the chart is drawn anew when the period's numbers arrive)
        let nudge = 0;
        await expect
          .poll(async () => {
            const over = chart.locator('.u-over');
            const box = (await over.boundingBox())!;
            nudge = (nudge + 1) % 3;
            // hover() scrolls the chart into view first: it sits below the fold at 768 px
            await over.hover({ position: { x: box.width - 2 - nudge, y: box.height / 2 } });
            return legend.locator('.u-value').first().textContent();
          })
          .toMatch(CHART_TICKS[lang].legend);

        // as wide as the card's content box, at this width and after the window shrinks
        const widths = () =>
          chart.evaluate((card) => ({
            plot: (card.querySelector('.chart-plot') as HTMLElement).clientWidth,
            canvas: (card.querySelector('canvas') as HTMLElement).getBoundingClientRect().width,
            content:
              card.clientWidth -
              Number.parseFloat(getComputedStyle(card).paddingLeft) -
              Number.parseFloat(getComputedStyle(card).paddingRight),
          }));
        const wide = await widths();
        expect(wide.plot).toBeGreaterThan(1000);
        expect(Math.abs(wide.plot - wide.content)).toBeLessThanOrEqual(1);
        expect(Math.abs(wide.canvas - wide.plot)).toBeLessThanOrEqual(1);
        await page.setViewportSize({ width: 800, height: 768 });
        await expect.poll(async () => (await widths()).canvas).toBeLessThan(800);
        const narrow = await widths();
        expect(Math.abs(narrow.canvas - narrow.content)).toBeLessThanOrEqual(1);

        // a daily period ticks by day, in the same language
        await page.getByTestId('period').selectOption('last7d');
        await expect
          .poll(async () => (await ticks()).every((tick) => CHART_TICKS[lang].DAY.test(tick)))
          .toBe(true);
        await page.screenshot({
          path: join(screenshots, `${lang}-800x768-overview-last7d.png`),
          fullPage: true,
        });
      } finally {
        await context.close();
      }
    }, 60_000);
  }

  for (const lang of LANGS) {
    it(`${lang}: a failure reads the same on the Failures page, the Sessions list and the session itself`, async () => {
      const { context, page } = await openConsole(lang, { width: 1366, height: 768 });
      const expected =
        lang === 'zh-CN' ? '姓名与身份证号码不匹配' : 'The name and the ID number do not match';
      try {
        await visit(page, 'failures', '[data-testid="user-failures"] tr[data-code="ID_NUMBER_MISMATCH"]');
        const onFailures = await page
          .locator('[data-testid="user-failures"] tr[data-code="ID_NUMBER_MISMATCH"] [data-testid="reason"]')
          .textContent();
        expect(onFailures).toBe(expected);
        await visit(page, 'sessions', '[data-testid="session-row"]');
        const row = page.locator(`[data-testid="session-row"][data-id="${failedId}"]`);
        expect(await row.getByTestId('last-error').textContent()).toBe(expected);
        // the code stays one hover away, never the only thing shown
        expect(await row.getByTestId('last-error').getAttribute('title')).toBe('ID_NUMBER_MISMATCH');
        const retrying = page.locator('[data-testid="session-row"]', { hasText: 'o_layout_retrying' });
        expect(await retrying.getByTestId('last-error').textContent()).toBe(
          lang === 'zh-CN' ? '人脸与身份证照片不一致，请重试' : 'The face does not match the ID photo',
        );
        await row.click();
        await page.getByTestId('session-detail').waitFor();
        expect(await page.getByTestId('session-last-error').textContent()).toBe(expected);
        await page.locator('[data-testid="timeline"] [data-testid="timeline-reason"]').first().waitFor();
        expect((await page.getByTestId('timeline-reason').first().textContent())?.trim()).toBe(expected);
        const html = await page.locator('main').innerHTML();
        expect(html.replaceAll(/title="[^"]*"/g, '')).not.toContain('ID_NUMBER_MISMATCH');
      } finally {
        await context.close();
      }
    }, 60_000);
  }

  /** Kinds of failed request, made by answering /graphql in the browser (the sign-in check passes). */
  const FAILURES: {
    kind: string;
    answer: (route: Route) => Promise<void>;
    zh: string;
    en: string;
  }[] = [
    {
      kind: 'network',
      answer: (route) => route.abort('connectionrefused'),
      zh: '无法连接到 FaceGate 网关，请检查网络以及网关是否在运行。',
      en: 'Cannot reach the FaceGate gateway: check the network and that the gateway is running.',
    },
    {
      kind: 'unauthorized',
      answer: (route) => graphqlError(route, 'UNAUTHENTICATED', 'Unknown or revoked API key'),
      zh: '此密钥已失效或已被吊销，请退出后用有效的密钥重新登录。',
      en: 'This key is no longer accepted (revoked or expired): sign out and sign in with a valid key.',
    },
    {
      kind: 'forbidden',
      answer: (route) => graphqlError(route, 'FORBIDDEN', 'Missing scope console:read'),
      zh: '此密钥没有查看这部分内容的权限。',
      en: 'This key is not allowed to see this.',
    },
    {
      kind: 'rateLimited',
      answer: (route) => graphqlError(route, 'RATE_LIMITED', 'Too many requests'),
      zh: '请求过于频繁，请稍候再重试。',
      en: 'Too many requests: wait a moment, then retry.',
    },
    {
      kind: 'server',
      answer: (route) =>
        route.fulfill({ status: 502, contentType: 'text/html', body: '<h1>502 Bad Gateway</h1>' }),
      zh: '网关出错了，请稍后重试；如果一直出现，请查看网关日志。',
      en: 'The gateway had a problem: retry in a moment; if it keeps happening, check the gateway’s logs.',
    },
    {
      kind: 'server',
      answer: (route) => graphqlError(route, 'INTERNAL_SERVER_ERROR', 'Unexpected error.', 500),
      zh: '网关出错了，请稍后重试；如果一直出现，请查看网关日志。',
      en: 'The gateway had a problem: retry in a moment; if it keeps happening, check the gateway’s logs.',
    },
  ];

  /** Fails every /graphql request but the sign-in check (ConsoleViewer) the way `answer` does. */
  async function failRequests(page: Page, answer: (route: Route) => Promise<void>) {
    await page.route('**/graphql', (route) =>
      (route.request().postData() ?? '').includes('ConsoleViewer') ? route.continue() : answer(route),
    );
  }

  for (const lang of LANGS) {
    it(`${lang}: each kind of failed request reads as a plain translated line, and Retry fetches again`, async () => {
      const { context, page } = await openConsole(lang, { width: 1366, height: 768 });
      try {
        for (const failure of FAILURES) {
          await failRequests(page, failure.answer);
          await page.reload();
          const notice = page.getByTestId('error');
          await notice.waitFor();
          expect(await notice.getAttribute('data-kind')).toBe(failure.kind);
          const text = await notice.locator('.error').textContent();
          expect(text).toBe(failure[lang === 'zh-CN' ? 'zh' : 'en']);
          expect(await page.locator('main').textContent()).not.toMatch(
            /TypeError|Failed to fetch|HTTP \d|Unexpected error|Unknown or revoked|Missing scope|Too many requests$/,
          );
          await page.unroute('**/graphql');
          await notice.getByTestId('retry').click();
          await page.getByTestId('outcome-chart').locator('canvas').waitFor();
          expect(await page.getByTestId('error').count()).toBe(0);
        }
        await failRequests(page, FAILURES[0]!.answer);
        await page.reload();
        await page.getByTestId('error').waitFor();
        await page.screenshot({ path: join(screenshots, `${lang}-1366x768-error-network.png`) });
        await page.unroute('**/graphql');
      } finally {
        await context.close();
      }
    }, 90_000);
  }

  it('every page offers Retry after a network failure, and shows its data after it (zh-CN, phone width)', async () => {
    const { context, page } = await openConsole('zh-CN', { width: 390, height: 844 });
    try {
      for (const target of PAGES) {
        await failRequests(page, FAILURES[0]!.answer);
        // the page loads anew with its requests failing
        await page.evaluate(
          (hash) => {
            location.hash = hash;
          },
          `#/${target.route.replace('<failed>', encodeURIComponent(failedId))}`,
        );
        await page.reload();
        const notice = page.getByTestId('error');
        await notice.waitFor();
        expect(await notice.getAttribute('data-kind')).toBe('network');
        expect(await page.evaluate(layoutProblems)).toEqual([]);
        await page.unroute('**/graphql');
        await notice.getByTestId('retry').click();
        await page.locator(target.ready).first().waitFor();
      }
    } finally {
      await context.close();
    }
  }, 90_000);

  it('signing in while the gateway is unreachable says so, not that the key is wrong (zh-CN)', async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'zh-CN' });
    try {
      const page = await context.newPage();
      await page.goto(`${running.url}/console/`);
      await page.route('**/graphql', (route) => route.abort('connectionrefused'));
      await page.getByTestId('key-input').fill(adminKey);
      await page.getByTestId('sign-in-submit').click();
      await expect
        .poll(() => page.getByTestId('sign-in-error').textContent())
        .toBe('无法连接到 FaceGate 网关，请检查网络以及网关是否在运行。');
      await page.route('**/graphql', (route) =>
        graphqlError(route, 'INTERNAL_SERVER_ERROR', 'Unexpected error.', 500),
      );
      await page.getByTestId('sign-in-submit').click();
      await expect
        .poll(() => page.getByTestId('sign-in-error').textContent())
        .toBe('网关出错了，请稍后重试；如果一直出现，请查看网关日志。');
      await page.unroute('**/graphql');
      await page.getByTestId('sign-in-submit').click();
      await page.getByTestId('viewer-name').waitFor();
    } finally {
      await context.close();
    }
  });

  it('a key kept in the tab survives a network failure when the page loads: Retry signs back in', async () => {
    const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'en' });
    try {
      await context.addInitScript((key) => sessionStorage.setItem('facegate.console.key', key), adminKey);
      const page = await context.newPage();
      await page.route('**/graphql', (route) => route.abort('connectionrefused'));
      await page.goto(`${running.url}/console/#/sessions`);
      const notice = page.getByTestId('error');
      await notice.waitFor();
      expect(await notice.getAttribute('data-kind')).toBe('network');
      expect(await page.evaluate(() => sessionStorage.getItem('facegate.console.key'))).toBe(adminKey);
      await page.unroute('**/graphql');
      await notice.getByTestId('retry').click();
      await page.getByTestId('session-row').first().waitFor();
      expect(await page.getByTestId('viewer-name').textContent()).toBe('operations-lead-night-shift');
    } finally {
      await context.close();
    }
  });

  it('wrote a screenshot of every page at both widths in both languages', () => {
    for (const lang of LANGS) {
      for (const viewport of VIEWPORTS) {
        for (const target of [...PAGES, { name: 'sign-in' }]) {
          const file = join(screenshots, `${lang}-${viewport.width}x${viewport.height}-${target.name}.png`);
          expect(statSync(file).size).toBeGreaterThan(5_000);
        }
      }
    }
  });
});

/** Answers a GraphQL request with one error carrying `code`, as the gateway does. */
function graphqlError(route: Route, code: string, message: string, status = 200) {
  return route.fulfill({
    status,
    contentType: 'application/graphql-response+json',
    body: JSON.stringify({ errors: [{ message, extensions: { code } }], data: null }),
  });
}

/** The key of a key the operator created (its input is valid here). */
function createdKey(created: Result<{ key: string }, { message: string }>): string {
  if (!created.ok) throw new Error(created.error.message);
  return created.value.key;
}
