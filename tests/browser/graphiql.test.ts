import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type StartedProcess, startProcess } from '@facegate/test-support';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, watchPage } from '../support/chromium';

const ROOT = resolve(import.meta.dirname, '../..');
/** The consent text `facegate serve` publishes when none is (DEFAULT_CONSENT_TEXTS in @facegate/domain). */
const DEFAULT_CONSENT_VERSION = 'facegate-default-1';
/** Screenshots land here (gitignored), for a person or CI to look at. */
const OUTPUT_DIR = join(ROOT, 'test-output');

/** `facegate serve` in sandbox mode as a user starts it, on ports of its own choosing. */
async function serve(dataDir: string): Promise<{ process: StartedProcess; url: string; sandboxUrl: string }> {
  const started = startProcess(process.execPath, [join(ROOT, 'packages/gateway/bin/facegate.mjs'), 'serve'], {
    cwd: join(ROOT, 'packages/gateway'),
    env: { DATA_DIR: dataDir, PORT: '0', SANDBOX_PORT: '0' },
  });
  try {
    const [, url, sandboxUrl] = await started.waitForOutput(
      /GraphQL: +(\S+)[\s\S]*bundled sandbox at (\S+)[\s\S]*Test identities/,
      90_000,
    );
    return { process: started, url: url!, sandboxUrl: sandboxUrl! };
  } catch (error) {
    await started.stop('SIGKILL');
    throw error;
  }
}

/** Replaces an editor's text as a user would: focus it, select all, type. */
async function fill(page: Page, editor: Locator, text: string): Promise<void> {
  await editor.click();
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Delete');
  // inserted as typed text, without the editor's bracket auto-closing doubling every brace
  await page.keyboard.insertText(text);
}

/** Clicks run and returns the result pane's text once it holds `expected`. */
async function run(page: Page, expected: string): Promise<string> {
  await page.locator('.graphiql-execute-button').click();
  await page
    .locator('.graphiql-response', { hasText: expected })
    .waitFor({ timeout: 30_000 })
    .catch(async (error: Error) => {
      mkdirSync(OUTPUT_DIR, { recursive: true });
      await page.screenshot({ path: join(OUTPUT_DIR, 'graphiql-failed.png') });
      throw error;
    });
  // the editor renders spaces as no-break spaces
  return ((await page.locator('.graphiql-response').textContent()) ?? '').replaceAll('\u00a0', ' ');
}

describe('GraphiQL in Chromium, offline, against `facegate serve` in sandbox mode', () => {
  let dataDir: string;
  let server: Awaited<ReturnType<typeof serve>>;
  let browser: Browser;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'facegate-browser-'));
    server = await serve(dataDir);
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.process.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("renders the editor from the gateway alone and runs the README's signIn and startVerification", async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const watch = watchPage(page, new URL(server.url).origin);

    // the README's first step: the sandbox plays the phone's wx.login
    const login = await fetch(`${server.sandboxUrl}/sandbox/device/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ openid: 'o_browser_user' }),
    });
    const { code } = (await login.json()) as { code: string };

    await page.goto(server.url);
    const query = page.locator('.graphiql-query-editor .monaco-editor').first();
    await query.waitFor({ timeout: 60_000 });
    expect(await page.title()).toBe('FaceGate');
    // the default tab opens on what FaceGate is for and the sign-in walkthrough, not GraphiQL's stock text
    const welcome = ((await query.textContent()) ?? '').replace(/\s+/g, ' ');
    expect(welcome).toContain('FaceGate: WeChat face verification');
    expect(welcome).toContain('step 1 of 3: sign in');
    expect(welcome).not.toContain('GraphiQL is an in-browser tool');
    expect(await page.locator('.graphiql-tab').count()).toBe(3);

    // one line: the editor's auto-indent would add a closing brace after every typed line break
    await fill(page, query, `mutation SignIn { signIn(code: "${code}") { token expiresAt } }`);
    const signedIn = await run(page, '"token"');
    expect(signedIn).toContain('"signIn"');
    expect(signedIn).not.toContain('"errors"');
    // the pane wraps long lines (also right after the key): the token is what lies between its quotes, without
    // the wrapping
    const token = /"token":\s+"([^"]+)"/.exec(signedIn)![1]!.replace(/\s+/g, '');
    expect(token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);

    // a new tab, as a person starts a second operation (a tab keeps its own query, headers and operation name)
    await page.locator('.graphiql-tab-add').click();
    await fill(
      page,
      query,
      // the user accepted the consent text a new gateway publishes (FaceGate's default), as in the README
      'mutation Start { startVerification(input: { name: "核身通过", idCardNumber: "110102198001010017", protocol: V2, ' +
        `consent: { version: "${DEFAULT_CONSENT_VERSION}" } }) ` +
        '{ id status maskedName maskedIdCardNumber consentReceipt { version } clientParams { ... on V2ClientParams { verifyId } } } }',
    );
    await page.getByText('Headers', { exact: true }).click();
    const headers = page
      .locator('.graphiql-editor-tool .graphiql-editor:not(.hidden) .monaco-editor')
      .first();
    await fill(page, headers, JSON.stringify({ authorization: `Bearer ${token}` }));
    const started = await run(page, '"startVerification"');
    expect(started).not.toContain('"errors"');
    expect(started).toContain('"status": "PENDING"');
    expect(started).toContain('"maskedName": "核***"');
    expect(started).toMatch(new RegExp(`"version":\\s+"${DEFAULT_CONSENT_VERSION}"`));
    expect(started).toMatch(/"verifyId":\s+"[\w-]{20,}/);

    mkdirSync(OUTPUT_DIR, { recursive: true });
    const screenshot = join(OUTPUT_DIR, 'graphiql-offline.png');
    await page.screenshot({ path: screenshot });
    expect(statSync(screenshot).size).toBeGreaterThan(10_000);

    // every script, style and worker came from the gateway; nothing failed on the page
    expect(watch.outsideRequests).toEqual([]);
    expect(watch.consoleErrors).toEqual([]);
  }, 180_000);
});
