import { existsSync } from 'node:fs';
import { type Browser, chromium, type Page } from 'playwright-core';

/** Debian's Chromium: Playwright's own browser download does not work offline. */
export const CHROMIUM_PATH = process.env.FACEGATE_CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * Launches headless Chromium, or throws a loud error naming the install step: a browser test is never
 * skipped because the browser is missing (`bash scripts/ensure-chromium.sh` installs it).
 */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM_PATH}: run \`bash scripts/ensure-chromium.sh\` (apt-get install -y chromium)`,
    );
  }
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    // the machine has no network: background services would only fail their look-ups
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** What a page did that a test should fail on: console errors and requests to any host but the allowed one. */
export interface PageWatch {
  readonly consoleErrors: string[];
  readonly outsideRequests: string[];
}

/** Records console errors and every request whose origin is not `allowedOrigin` (data: and blob: pass). */
export function watchPage(page: Page, allowedOrigin: string): PageWatch {
  const watch: PageWatch = { consoleErrors: [], outsideRequests: [] };
  page.on('console', (message) => {
    if (message.type() === 'error') watch.consoleErrors.push(message.text());
  });
  page.on('pageerror', (error) => watch.consoleErrors.push(error.message));
  page.on('request', (request) => {
    const url = request.url();
    if (url.startsWith('data:') || url.startsWith('blob:')) return;
    if (new URL(url).origin !== allowedOrigin) watch.outsideRequests.push(url);
  });
  return watch;
}
