import { execFile } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { Result } from '@facegate/domain';
import { type Sandbox, startSandbox } from '@facegate/wechat-sandbox';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, type PageWatch, watchPage } from '../../../tests/support/chromium';
import { TOKENS } from '../src/composition/tokens';
import { loadConfig } from '../src/config/load-config';
import { consoleDistDir } from '../src/http/plugins/console-assets.plugin';
import { type RunningGateway, startGateway } from '../src/http/server';

/** packages/console, found the way the gateway finds its build. */
const packageDir = resolve(consoleDistDir(), '..');
const distIndex = join(packageDir, 'dist', 'index.html');

function newest(dir: string): number {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return latest;
}

/** Builds the console when it was never built or its sources changed since (the gateway serves dist/). */
async function ensureBuilt(): Promise<void> {
  const sources = Math.max(newest(join(packageDir, 'src')), statSync(join(packageDir, 'index.html')).mtimeMs);
  if (existsSync(distIndex) && statSync(distIndex).mtimeMs >= sources) return;
  await promisify(execFile)(process.execPath, [join(packageDir, 'node_modules/vite/bin/vite.js'), 'build'], {
    cwd: packageDir,
  });
}

function createdKey(created: Result<{ key: string }, { message: string }>): string {
  if (!created.ok) throw new Error(created.error.message);
  return created.value.key;
}

const ADULT = { name: '张三', idCardNumber: '11010519491231002X' };
const OTHER = { name: '李四', idCardNumber: '440306199003076519' };

describe('operator console, issue 20 (Chromium, real gateway over HTTP, sandbox mode)', () => {
  let sandbox: Sandbox;
  let running: RunningGateway;
  let browser: Browser;
  let page: Page;
  let watch: PageWatch;
  let adminKey: string;
  let readKey: string;
  let verifiedId: string;

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

  /** A user's session with consent, as the mini program runs it: verified, or the alternative chosen. */
  async function seed(openid: string, person: typeof ADULT, outcome: 'verify' | 'alternative') {
    const { signIn } = await gql('mutation($c: String!) { signIn(code: $c) { token } }', {
      c: sandbox.device.login(openid),
    });
    const token = signIn.token as string;
    const { consentText } = await gql('{ consentText { version } }', {});
    const { startVerification: s } = await gql(
      `mutation($input: StartVerificationInput!) { startVerification(input: $input) { id
        clientParams { ... on V2ClientParams { verifyId } } } }`,
      { input: { ...person, protocol: 'V2', consent: { version: consentText.version } } },
      token,
    );
    if (outcome === 'alternative') {
      await gql('mutation($id: ID!) { chooseAlternative(verificationId: $id) { id } }', { id: s.id }, token);
      return s.id as string;
    }
    const check = sandbox.device.runV2Check({ openid, verifyId: s.clientParams.verifyId });
    await gql(
      'mutation($input: ConfirmVerificationInput!) { confirmVerification(input: $input) { id status } }',
      { input: { id: s.id, clientErrCode: check.errCode } },
      token,
    );
    return s.id as string;
  }

  async function signInWith(key: string) {
    await page.goto(`${running.url}/console/`);
    await page.evaluate(() => sessionStorage.clear());
    await page.reload();
    await page.getByTestId('key-input').fill(key);
    await page.getByTestId('sign-in-submit').click();
    await page.getByTestId('viewer-name').waitFor();
  }

  beforeAll(async () => {
    await ensureBuilt();
    sandbox = await startSandbox({ port: 0 });
    running = await startGateway(
      loadConfig({
        PORT: '0',
        HOST: '127.0.0.1',
        DATABASE_URL: 'memory:',
        DATA_DIR: '/nonexistent/facegate-console-privacy-test',
        FACEGATE_SECRET: 'console-privacy-browser-secret-0123456789abcdef',
        LOG_LEVEL: 'silent',
      }),
      { sandbox },
    );
    verifiedId = await seed('o_privacy_1', ADULT, 'verify');
    await seed('o_privacy_2', OTHER, 'alternative');
    const keys = running.container.resolve(TOKENS.ApiKeys);
    // redactVerification is privacy:write; the console's admin pages are console:admin
    adminKey = createdKey(await keys.create('privacy-officer', ['console:admin', 'privacy:write']));
    readKey = createdKey(await keys.create('viewer', ['console:read']));
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' });
    watch = watchPage(page, new URL(running.url).origin);
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await running?.close();
    await sandbox?.close();
  });

  it('the overview counts the alternative chosen beside the other outcomes', async () => {
    await signInWith(adminKey);
    const value = (id: string) => page.getByTestId(id).locator('.value').textContent();
    await expect.poll(() => value('count-started')).toBe('2');
    await expect.poll(() => value('count-alternative-chosen')).toBe('1');
    expect(await value('count-canceled')).toBe('1');
    expect(await page.getByTestId('count-alternative-chosen').locator('.label').textContent()).toBe(
      '选择其他方式',
    );
  });

  it('the session view lists its consent receipt; Redact needs the id typed, then removes the personal fields', async () => {
    await page.goto(`${running.url}/console/#/sessions/${verifiedId}`);
    const receipt = page.getByTestId('consent-receipt');
    await receipt.waitFor();
    const cells = await receipt.locator('td').allTextContents();
    expect(cells[1]).toBe('facegate-default-1');
    expect(cells[3]).toBe('否');
    expect(cells[4]).toBe('—');
    expect(await page.getByTestId('session-detail').textContent()).toContain('张*');

    await page.getByTestId('redact-open').click();
    await page.getByTestId('redact-confirm-input').fill(verifiedId.slice(0, -1));
    expect(await page.getByTestId('redact-confirm').isDisabled()).toBe(true);
    await page.getByTestId('redact-confirm-input').fill(verifiedId);
    await page.getByTestId('redact-confirm').click();
    await page.getByTestId('redacted-notice').waitFor();
    await expect.poll(async () => page.getByTestId('session-detail').textContent()).not.toContain('张*');
    // the receipt stays: the proof the law asks for outlives the session's personal fields
    expect(await page.getByTestId('consent-receipt').count()).toBe(1);
  });

  it('the System page shows the distinct people processed beside the 100,000 filing threshold', async () => {
    await page.getByTestId('nav-system').click();
    await page.getByTestId('filing').waitFor();
    // counted before redaction: the redacted session's person still counts
    expect(await page.getByTestId('distinct-people').textContent()).toBe('2');
    expect(await page.getByTestId('filing-threshold').textContent()).toBe('100,000 (0.0%)');
    expect(await page.getByTestId('filing-reached').count()).toBe(0);
  });

  it('the Consent page lists the texts and publishes a new version (checked before it is sent)', async () => {
    await page.getByTestId('nav-consent').click();
    await page.getByTestId('consent-texts').waitFor();
    expect(
      await page.locator('[data-testid="consent-text"][data-version="facegate-default-1"]').count(),
    ).toBe(1);

    await page.getByTestId('consent-version').fill('bad version');
    await page.getByTestId('consent-publish').click();
    expect(await page.getByTestId('consent-publish-error').getAttribute('data-field')).toBe('version');

    await page.getByTestId('consent-version').fill('2026-12');
    await page.getByTestId('consent-purpose').fill('开户身份核验');
    await page
      .getByTestId('consent-text-zh')
      .fill('为办理开户，我们将核验您的身份。\n您可以选择到柜台办理。');
    await page.getByTestId('consent-text-en').fill('To open your account we verify your identity.');
    await page.getByTestId('consent-publish').click();
    await page.getByTestId('consent-published').waitFor();
    const row = page.locator('[data-testid="consent-text"][data-version="2026-12"]');
    await row.waitFor();
    expect(await row.getByTestId('consent-current').count()).toBe(1);
    const { consentText } = await gql('{ consentText { version textEn } }', {});
    expect(consentText).toEqual({
      version: '2026-12',
      textEn: 'To open your account we verify your identity.',
    });

    await page.getByTestId('lang-toggle').click();
    await expect.poll(() => page.getByTestId('consent-publish').textContent()).toBe('Publish');
    expect(await page.getByTestId('nav-consent').textContent()).toBe('Consent texts');
    await page.getByTestId('lang-toggle').click();
  });

  it('console:read sees the receipts and the texts, but neither Redact nor the publish form', async () => {
    await signInWith(readKey);
    await page.goto(`${running.url}/console/#/sessions/${verifiedId}`);
    await page.getByTestId('consent-receipt').waitFor();
    expect(await page.getByTestId('redact-open').count()).toBe(0);
    await page.getByTestId('nav-consent').click();
    await page.getByTestId('consent-texts').waitFor();
    expect(await page.getByTestId('publish-consent').count()).toBe(0);
    expect(watch.consoleErrors).toEqual([]);
    expect(watch.outsideRequests).toEqual([]);
  });
});
