import { type Sandbox, startSandbox } from '@facegate/wechat-sandbox';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, type PageWatch, watchPage } from '../../../tests/support/chromium';
import type { BufferedAuditTrail } from '../src/application/audit/buffered-audit-trail';
import { demoCommand } from '../src/cli/demo.command';
import { resolve, TOKENS } from '../src/composition/tokens';
import { loadConfig } from '../src/config/load-config';
import { type RunningGateway, startGateway } from '../src/http/server';

/*
 * The console's Audit page in Chromium, after a demo run: a service reads what the demo verified, and an
 * auditor (console:read + audit:read) sees those reads, filters them, and reads the page in English; an
 * operator with console:admin alone is told the page needs audit:read.
 */
describe('the console Audit page in Chromium (a demo run, real gateway over HTTP)', () => {
  let sandbox: Sandbox;
  let running: RunningGateway;
  let browser: Browser;
  let page: Page;
  let watch: PageWatch;
  let auditorKey: string;
  let adminKey: string;

  const key = async (name: string, scopes: Parameters<ReturnType<typeof keysOf>['create']>[1]) => {
    const created = await keysOf().create(name, scopes);
    if (!created.ok) throw new Error(created.error.message);
    return created.value.key;
  };
  const keysOf = () => resolve(running.container, TOKENS.ApiKeys);

  async function gql(query: string, variables: Record<string, unknown>, token: string) {
    const response = await fetch(running.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
    });
    return (await response.json()) as { data?: Record<string, unknown>; errors?: unknown[] };
  }

  async function signIn(key: string) {
    await page.getByTestId('key-input').fill(key);
    await page.getByTestId('sign-in-submit').click();
    await page.getByTestId('viewer-name').waitFor();
    await page.getByTestId('nav-audit').click();
  }

  beforeAll(async () => {
    sandbox = await startSandbox({ port: 0 });
    running = await startGateway(
      loadConfig({
        PORT: '0',
        HOST: '127.0.0.1',
        DATABASE_URL: 'memory:',
        DATA_DIR: '/nonexistent/facegate-console-audit-test',
        FACEGATE_SECRET: 'console-audit-test-secret-0123456789abcdef',
        LOG_LEVEL: 'silent',
      }),
      { sandbox },
    );
    expect(
      await demoCommand({ url: running.graphqlUrl, sandboxUrl: sandbox.url, protocols: ['V2', 'LEGACY'] }),
    ).toBe(0);
    // a business backend reads what the demo verified
    const service = await key('bank backend', ['verifications:read']);
    const listed = await gql('{ verifications(first: 10) { edges { node { id openid } } } }', {}, service);
    const sessions = (listed.data!.verifications as { edges: { node: { id: string; openid: string } }[] })
      .edges;
    expect(sessions.length).toBeGreaterThanOrEqual(2);
    await gql('query($id: ID!) { verification(id: $id) { id } }', { id: sessions[0]!.node.id }, service);
    await gql(
      'query($o: String!) { identityStatus(openid: $o) { verified } }',
      { o: sessions[0]!.node.openid },
      service,
    );
    auditorKey = await key('auditor', ['console:read', 'audit:read']);
    adminKey = await key('ops-lead', ['console:admin']);
    await (resolve(running.container, TOKENS.AuditTrail) as BufferedAuditTrail).flush();

    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' });
    watch = watchPage(page, new URL(running.url).origin);
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await running?.close();
    await sandbox?.close();
  });

  it('shows the events of the demo run, newest first, with who did what to which ids', async () => {
    await page.goto(`${running.url}/console/`);
    await signIn(auditorKey);
    await page.getByTestId('audit-table').waitFor();
    expect(await page.locator('h2').textContent()).toBe('审计日志');
    const actions = await page
      .getByTestId('audit-row')
      .evaluateAll((rows) => rows.map((row) => row.getAttribute('data-action')));
    expect(actions).toEqual(
      expect.arrayContaining(['identity-status.read', 'session.read', 'session.list', 'gateway.started']),
    );
    expect(actions.indexOf('identity-status.read')).toBeLessThan(actions.indexOf('gateway.started'));
    const read = page.locator('[data-testid="audit-row"][data-action="session.read"]');
    expect(await read.textContent()).toContain('(bank backend)');
    expect(await read.textContent()).toMatch(/session:\S+/);
  });

  it('filters by action and by period', async () => {
    await page.getByTestId('audit-action').selectOption('session.list');
    await page.getByTestId('audit-submit').click();
    await expect
      .poll(() =>
        page.getByTestId('audit-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-action'))),
      )
      .toEqual(['session.list']);
    // a period that ended before the run: nothing
    await page.getByTestId('audit-action').selectOption('');
    await page.getByTestId('audit-to').fill('2020-01-01T00:00');
    await page.getByTestId('audit-submit').click();
    await page.getByTestId('audit-empty').waitFor();
  });

  it('speaks English, and tells a console:admin key without audit:read what it needs', async () => {
    await page.getByTestId('lang-toggle').click();
    await expect.poll(() => page.locator('h2').textContent()).toBe('Audit trail');
    await page.getByTestId('sign-out').click();
    await signIn(adminKey);
    await page.getByTestId('audit-no-scope').waitFor();
    expect(await page.getByTestId('audit-no-scope').textContent()).toContain('audit:read');
    expect(watch.consoleErrors).toEqual([]);
    expect(watch.outsideRequests).toEqual([]);
  });
});
