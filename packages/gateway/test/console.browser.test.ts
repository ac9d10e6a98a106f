import { mkdirSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import type { Result } from '@facegate/domain';
import { type Sandbox, type SandboxScenario, startSandbox } from '@facegate/wechat-sandbox';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, type PageWatch, watchPage } from '../../../tests/support/chromium';
import { API_KEY_SCOPES } from '../src/application/auth/viewer';
import { TOKENS } from '../src/composition/tokens';
import { loadConfig } from '../src/config/load-config';
import { type RunningGateway, startGateway } from '../src/http/server';
import { ensureConsoleBuilt } from './support/console-build';
import { CONSENT } from './support/flows';

const screenshots = resolve(import.meta.dirname, '../../../test-output/console');

const PEOPLE = [
  { name: '张三', idCardNumber: '11010519491231002X' },
  { name: '李四', idCardNumber: '440306199003076519' },
  { name: '王小明', idCardNumber: '320102198511150035' },
];

describe('operator console in Chromium (real gateway over HTTP, sandbox mode, seeded sessions)', () => {
  let sandbox: Sandbox;
  let running: RunningGateway;
  let browser: Browser;
  let page: Page;
  let watch: PageWatch;
  let adminKey: string;
  const requestedUrls: string[] = [];
  /** A webhook receiver on loopback: what the gateway POSTed to it. */
  let receiver: Server;
  const received: { id: string; type: string }[] = [];

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

  /** One session through the public API and the sandbox's device, as the mini program would. */
  async function seed(
    openid: string,
    protocol: 'V2' | 'LEGACY',
    outcome: 'confirm' | 'leave' | 'cancel',
    scenario?: SandboxScenario,
    clientReferenceId?: string,
    person = PEOPLE[0]!,
  ): Promise<string> {
    const { signIn } = await gql('mutation($c: String!) { signIn(code: $c) { token } }', {
      c: sandbox.device.login(openid),
    });
    const token = signIn.token as string;
    const { startVerification: s } = await gql(
      `mutation($input: StartVerificationInput!) { startVerification(input: $input) { id
        clientParams { __typename ... on LegacyClientParams { checkAliveType name idCardNumber userIdKey } ... on V2ClientParams { verifyId } } } }`,
      {
        // the user accepted the current consent text (the default a new gateway publishes) on the device
        input: { ...person, protocol, consent: CONSENT, ...(clientReferenceId ? { clientReferenceId } : {}) },
      },
      token,
    );
    if (outcome === 'cancel') {
      await gql('mutation($id: ID!) { cancelVerification(id: $id) { id } }', { id: s.id }, token);
      return s.id;
    }
    if (outcome === 'leave') return s.id;
    const p = s.clientParams;
    let input: Record<string, unknown>;
    if (p.__typename === 'V2ClientParams') {
      const check = sandbox.device.runV2Check({
        openid,
        verifyId: p.verifyId,
        ...(scenario ? { scenario } : {}),
      });
      input = { id: s.id, clientErrCode: check.errCode };
    } else {
      const check = sandbox.device.runLegacyCheck({
        openid,
        checkAliveType: p.checkAliveType,
        ...(p.userIdKey ? { userIdKey: p.userIdKey } : { name: p.name, idCardNumber: p.idCardNumber }),
        ...(scenario ? { scenario } : {}),
      });
      input = { id: s.id, verifyResult: check.verifyResult, clientErrCode: check.errCode };
    }
    await gql(
      'mutation($input: ConfirmVerificationInput!) { confirmVerification(input: $input) { id status } }',
      {
        input,
      },
      token,
    );
    return s.id;
  }

  const shot = (name: string) => page.screenshot({ path: join(screenshots, `${name}.png`), fullPage: true });

  beforeAll(async () => {
    mkdirSync(screenshots, { recursive: true });
    await ensureConsoleBuilt();
    sandbox = await startSandbox({ port: 0 });
    receiver = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk) => (body += chunk));
      request.on('end', () => {
        received.push({ id: String(request.headers['webhook-id']), type: JSON.parse(body).type });
        response.writeHead(204).end();
      });
    });
    await new Promise<void>((done) => receiver.listen(0, '127.0.0.1', done));
    running = await startGateway(
      loadConfig({
        PORT: '0',
        HOST: '127.0.0.1',
        DATABASE_URL: 'memory:',
        DATA_DIR: '/nonexistent/facegate-console-test',
        FACEGATE_SECRET: 'console-browser-test-secret-0123456789abcdef',
        LOG_LEVEL: 'silent',
      }),
      { sandbox },
    );
    // 7 sessions: 4 verified (3 V2, 1 legacy), 1 failed, 1 pending with a client reference, 1 canceled
    await seed('o_console_1', 'V2', 'confirm');
    await seed('o_console_2', 'V2', 'confirm', undefined, undefined, PEOPLE[1]);
    await seed('o_console_3', 'V2', 'confirm', undefined, undefined, PEOPLE[2]);
    await seed('o_console_4', 'LEGACY', 'confirm');
    await seed('o_console_5', 'V2', 'confirm', 'id_mismatch');
    await seed('o_console_6', 'V2', 'leave', undefined, 'order-7');
    await seed('o_console_7', 'V2', 'cancel');
    const keys = running.container.resolve(TOKENS.ApiKeys);
    adminKey = createdKey(await keys.create('ops-lead', ['console:admin']));

    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' });
    watch = watchPage(page, new URL(running.url).origin);
    page.on('request', (request) => requestedUrls.push(request.url()));
    // a first run builds the console, seeds through the sandbox and starts Chromium: slow on a busy machine
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await running?.close();
    await sandbox?.close();
    receiver?.closeAllConnections();
    await new Promise((done) => receiver?.close(done));
  });

  it('serves the page with a strict CSP, no framing, and refuses a wrong key', async () => {
    const response = await page.goto(`${running.url}/console/`);
    expect(response?.status()).toBe(200);
    const headers = response!.headers();
    expect(headers['content-security-policy']).toContain("script-src 'self'");
    expect(headers['content-security-policy']).toContain("connect-src 'self'");
    expect(headers['x-frame-options']).toBe('DENY');
    await page.getByTestId('key-input').fill(`fgk_0123456789ab_${'x'.repeat(43)}`);
    await page.getByTestId('sign-in-submit').click();
    await expect.poll(() => page.getByTestId('sign-in-error').textContent()).toBe('密钥无效或已吊销');
    await shot('sign-in-refused');
  });

  it('signs in with the key (kept in session storage, never in a URL) and shows the seeded numbers', async () => {
    await page.getByTestId('key-input').fill(adminKey);
    await page.getByTestId('sign-in-submit').click();
    await page.getByTestId('viewer-name').waitFor();
    expect(await page.getByTestId('viewer-name').textContent()).toBe('ops-lead');
    expect(await page.evaluate(() => sessionStorage.getItem('facegate.console.key'))).toBe(adminKey);
    const value = (id: string) => page.getByTestId(id).locator('.value').textContent();
    await expect.poll(() => value('count-started')).toBe('7');
    expect(await value('count-verified')).toBe('4');
    expect(await value('count-failed')).toBe('1');
    expect(await value('count-canceled')).toBe('1');
    expect(await value('count-pending')).toBe('1');
    expect(await value('count-expired')).toBe('0');
    expect(await value('pass-rate')).toBe('66.7%');
    const funnel = await page.getByTestId('funnel').textContent();
    expect(funnel).toContain('5 (71.4%)'); // the device ran the check in 5 of 7
    const protocols = await page.getByTestId('by-protocol').locator('tbody tr').allTextContents();
    expect(protocols).toHaveLength(2);
    expect(protocols[0]).toMatch(/^LEGACY11/);
    expect(protocols[1]).toMatch(/^V2631/);
    await page.getByTestId('outcome-chart').locator('canvas').waitFor();
    await shot('overview');
    await page.getByTestId('lang-toggle').click();
    await expect
      .poll(() => page.getByTestId('count-verified').locator('.label').textContent())
      .toBe('Verified');
    await shot('overview-en');
    await page.getByTestId('lang-toggle').click();
  });

  it('ranks failures with their zh-CN reason', async () => {
    await page.getByTestId('nav-failures').click();
    const row = page.getByTestId('user-failures').locator('tr[data-code="ID_NUMBER_MISMATCH"]');
    await row.waitFor();
    expect(await row.textContent()).toContain('姓名与身份证号码不匹配');
    expect(await row.textContent()).toContain('100.0%');
    await shot('failures');
  });

  it('filters sessions, opens one and shows its masked identity and timeline', async () => {
    await page.getByTestId('nav-sessions').click();
    await expect.poll(() => page.getByTestId('session-row').count()).toBe(7);
    await page.getByTestId('filter-status').selectOption('FAILED');
    await page.getByTestId('filter-submit').click();
    await expect.poll(() => page.getByTestId('session-row').count()).toBe(1);
    expect(await page.getByTestId('session-row').textContent()).toContain('o_console_5');
    await page.getByTestId('filter-status').selectOption('');
    await page.getByTestId('filter-reference').fill('order-7');
    await page.getByTestId('filter-submit').click();
    await expect.poll(() => page.getByTestId('session-row').count()).toBe(1);
    await shot('sessions');
    await page.getByTestId('session-row').click();
    await page.getByTestId('session-detail').waitFor();
    const detail = await page.getByTestId('session-detail').textContent();
    expect(detail).toContain('张*');
    expect(detail).toContain('order-7');
    expect(await page.getByTestId('session-status').textContent()).toBe('进行中');
    expect(await page.getByTestId('timeline').locator('li').first().getAttribute('data-kind')).toBe(
      'STARTED',
    );
    // a verified one has its attempt on the timeline
    await page.getByTestId('nav-sessions').click();
    await page.getByTestId('filter-openid').fill('o_console_1');
    await page.getByTestId('filter-submit').click();
    await expect.poll(() => page.getByTestId('session-row').count()).toBe(1);
    await page.getByTestId('session-row').click();
    await page.getByTestId('timeline').locator('li[data-kind="ATTEMPT_COMPLETED"]').waitFor();
    expect(await page.getByTestId('timeline').locator('li').last().getAttribute('data-kind')).toBe('ENDED');
    await shot('session');
    const html = await page.content();
    for (const person of PEOPLE) {
      expect(html).not.toContain(person.name);
      expect(html).not.toContain(person.idCardNumber);
    }
  });

  it('creates a key (secret shown once) and revokes it', async () => {
    await page.getByTestId('nav-keys').click();
    await page.getByTestId('key-name').fill('night-shift');
    // every scope the gateway knows can be given from the console
    for (const scope of API_KEY_SCOPES) {
      await page.getByTestId(`scope-${scope.toUpperCase().replace(':', '_')}`).waitFor();
    }
    await page.getByTestId('scope-CONSOLE_READ').check();
    await page.getByTestId('key-create').click();
    const created = page.getByTestId('created-key').locator('code');
    await created.waitFor();
    const key = (await created.textContent()) ?? '';
    expect(key).toMatch(/^fgk_[0-9a-f]{12}_/);
    const prefix = key.split('_')[1]!;
    const row = page.locator(`[data-testid="key-row"][data-prefix="${prefix}"]`);
    await row.waitFor();
    expect(await row.textContent()).toContain('console:read');
    const keys = running.container.resolve(TOKENS.ApiKeys);
    expect(await keys.authenticate(key)).not.toBeNull();
    await shot('keys');
    await row.getByTestId('key-revoke').click();
    await row.getByTestId('key-revoke').click(); // confirm
    await expect.poll(() => row.getByTestId('key-state').textContent()).toContain('吊销时间');
    expect(await keys.authenticate(key)).toBeNull();
  });

  it('shows the system: readiness, database, token state, abuse refusals', async () => {
    await page.getByTestId('nav-system').click();
    await page.getByTestId('system-facts').waitFor();
    expect(await page.getByTestId('database-kind').textContent()).toBe('pglite');
    expect(await page.getByTestId('checks').locator('li.ok').count()).toBe(2);
    expect(await page.getByTestId('abuse-refusals').locator('tbody tr').count()).toBeGreaterThan(0);
    await shot('system');
  });

  /** Refreshes the deliveries until the row says DELIVERED (the relay records the answer after sending). */
  async function refreshUntilDelivered(row: Locator) {
    await expect
      .poll(
        async () => {
          await page.getByTestId('deliveries-refresh').click();
          return row.getAttribute('data-status', { timeout: 2_000 }).catch(() => null);
        },
        { timeout: 30_000 },
      )
      .toBe('DELIVERED');
  }

  it('lists webhook endpoints and deliveries, and redelivers one to a real receiver', async () => {
    const keys = running.container.resolve(TOKENS.ApiKeys);
    const webhooksKey = createdKey(await keys.create('integrator', ['webhooks:write']));
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
    const { createWebhookEndpoint } = await gql(
      'mutation($url: String!) { createWebhookEndpoint(url: $url, events: [VERIFICATION_STARTED], description: "orders") { endpoint { id } } }',
      { url },
      webhooksKey,
    );
    const endpointId = createWebhookEndpoint.endpoint.id as string;
    await seed('o_console_webhook', 'V2', 'leave');
    // the gateway's relay sends it: wait for the receiver, then for the delivery to be recorded
    await expect.poll(() => received.length, { timeout: 30_000 }).toBe(1);
    expect(received[0]!.type).toBe('verification.started');

    await page.getByTestId('nav-webhooks').click();
    const endpointRow = page.locator(`[data-testid="endpoint-row"][data-id="${endpointId}"]`);
    await endpointRow.waitFor();
    expect(await endpointRow.textContent()).toContain(url);
    expect(await endpointRow.textContent()).toContain('verification.started');
    expect(await endpointRow.getByTestId('endpoint-state').textContent()).toBe('已启用');
    const delivery = page.locator(`[data-testid="delivery-row"][data-id="${received[0]!.id}"]`);
    await refreshUntilDelivered(delivery);
    expect(await delivery.getByTestId('delivery-attempts').textContent()).toBe('1');
    expect(await delivery.textContent()).toContain('204');
    await shot('webhooks');

    await delivery.getByTestId('redeliver').click();
    await page.getByTestId('redeliver-queued').waitFor();
    // the same message (same webhook-id) reaches the receiver again
    await expect.poll(() => received.length, { timeout: 30_000 }).toBe(2);
    expect(received[1]!.id).toBe(received[0]!.id);
    // a redelivery starts the retry schedule over: one attempt again, delivered again
    await refreshUntilDelivered(delivery);
    expect(await delivery.getByTestId('delivery-attempts').textContent()).toBe('1');
    await page.getByTestId('lang-toggle').click();
    await expect.poll(() => endpointRow.getByTestId('endpoint-state').textContent()).toBe('Enabled');
    await shot('webhooks-en');
    await page.getByTestId('lang-toggle').click();
  });

  it('switches apps: the overview, failures and sessions follow, the choice stays; the System page lists both apps', async () => {
    // the card mini program: one verified, one left pending
    const CARD_APPID = 'wx_sandbox_card';
    for (const [openid, confirmIt] of [
      ['o_card_1', true],
      ['o_card_2', false],
    ] as const) {
      const { signIn } = await gql('mutation($c: String!) { signIn(code: $c, app: "card") { token } }', {
        c: sandbox.device.login(openid, CARD_APPID),
      });
      const { startVerification: s } = await gql(
        'mutation($input: StartVerificationInput!) { startVerification(input: $input) { id clientParams { ... on V2ClientParams { verifyId } } } }',
        { input: { ...PEOPLE[1]!, protocol: 'V2', consent: CONSENT } },
        signIn.token,
      );
      if (!confirmIt) continue;
      const check = sandbox.device.runV2Check({
        openid,
        appId: CARD_APPID,
        verifyId: s.clientParams.verifyId,
      });
      await gql(
        'mutation($input: ConfirmVerificationInput!) { confirmVerification(input: $input) { id } }',
        { input: { id: s.id, clientErrCode: check.errCode } },
        signIn.token,
      );
    }
    const value = (id: string) => page.getByTestId(id).locator('.value').textContent();
    await page.getByTestId('nav-overview').click();
    const switcher = page.getByTestId('app-switcher');
    // every app: the 8 default sessions (7 seeded, 1 for the webhook) and the card's 2
    await expect.poll(() => value('count-started')).toBe('10');
    expect(await switcher.locator('option').allTextContents()).toEqual([
      '全部小程序',
      'default',
      expect.stringContaining('(card)'),
    ]);
    await switcher.selectOption('card');
    await expect.poll(() => value('count-started')).toBe('2');
    expect(await value('count-verified')).toBe('1');
    expect(await value('count-pending')).toBe('1');
    await shot('overview-card');
    await switcher.selectOption('default');
    await expect.poll(() => value('count-started')).toBe('8');
    expect(await value('count-failed')).toBe('1');
    // the card app has no failure; the choice stays from page to page and over a reload
    await switcher.selectOption('card');
    await page.getByTestId('nav-failures').click();
    await page.getByTestId('user-failures').waitFor();
    expect(await page.getByTestId('user-failures').textContent()).toBe('无');
    await page.reload();
    await page.getByTestId('nav-sessions').click();
    await expect.poll(() => page.getByTestId('session-row').count()).toBe(2);
    expect(await page.getByTestId('app-switcher').inputValue()).toBe('card');
    expect(await page.getByTestId('session-app').allTextContents()).toEqual(['card', 'card']);
    await shot('sessions-card');
    await page.getByTestId('app-switcher').selectOption('');
    await expect.poll(() => page.getByTestId('session-row').count()).toBe(10);

    await page.getByTestId('nav-system').click();
    const apps = page.getByTestId('system-app');
    await expect.poll(() => apps.count()).toBe(2);
    for (const app of ['card', 'default']) {
      const row = page.locator(`[data-testid="system-app"][data-app="${app}"]`);
      expect(await row.getByTestId('app-token').textContent()).toBe('正常');
      expect(await row.getByTestId('app-token-age').textContent()).toMatch(/\d+ 秒前\)$/);
      expect(await row.getByTestId('app-last-call').getAttribute('data-outcome')).toBe('OK');
    }
    expect(await page.locator('[data-testid="system-app"][data-app="card"]').textContent()).toContain(
      CARD_APPID,
    );
    await shot('system-apps');

    // a key for the card app only, from the Keys page
    await page.getByTestId('nav-keys').click();
    await page.getByTestId('key-name').fill('card-desk');
    await page.getByTestId('scope-CONSOLE_READ').check();
    await page.getByTestId('key-app-card').check();
    await page.getByTestId('key-create').click();
    const created = page.getByTestId('created-key').locator('code');
    await created.waitFor();
    const prefix = ((await created.textContent()) ?? '').split('_')[1]!;
    const row = page.locator(`[data-testid="key-row"][data-prefix="${prefix}"]`);
    await row.waitFor();
    expect(await row.getByTestId('key-apps-cell').textContent()).toBe('card');
  });

  it('had no console errors, no requests to other hosts, and never put the key in a URL', () => {
    expect(watch.consoleErrors).toEqual([]);
    expect(watch.outsideRequests).toEqual([]);
    expect(requestedUrls.length).toBeGreaterThan(5);
    // the secret is everything after `fgk_<12-hex prefix>_` (base64url: it may itself hold underscores)
    const secret = adminKey.slice('fgk_'.length + 12 + 1);
    expect(secret).toHaveLength(43);
    for (const url of requestedUrls) expect(url).not.toContain(secret);
    for (const name of [
      'sign-in-refused',
      'overview',
      'failures',
      'sessions',
      'session',
      'keys',
      'system',
      'webhooks',
    ]) {
      expect(statSync(join(screenshots, `${name}.png`)).size).toBeGreaterThan(10_000);
    }
  });
});

/** The key of a key the operator created (its input is valid here). */
function createdKey(created: Result<{ key: string }, { message: string }>): string {
  if (!created.ok) throw new Error(created.error.message);
  return created.value.key;
}
