import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, join, relative, sep } from 'node:path';
import type { Plugin } from 'graphql-yoga';

/**
 * The console's page may load only its own scripts and styles and talk only to this origin; no inline
 * script, no framing, no plugins, no forms posting elsewhere.
 */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '.woff2': 'font/woff2',
};

const BUILD_COMMAND = 'node scripts/pnpm.mjs --filter @facegate/console run build';

/** Where the console's build lands: packages/console/dist, found through the @facegate/console package. */
export function consoleDistDir(): string {
  const manifest = createRequire(import.meta.url).resolve('@facegate/console/package.json');
  return join(dirname(manifest), 'dist');
}

interface Asset {
  readonly body: Uint8Array<ArrayBuffer>;
  readonly type: string;
}

/** Every file of the build by its URL path under /console/; read once (the build is small and immutable). */
function loadAssets(dir: string): Map<string, Asset> | null {
  if (!existsSync(join(dir, 'index.html'))) return null;
  const assets = new Map<string, Asset>();
  const walk = (folder: string) => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (TYPES[extname(entry.name)] !== undefined) {
        assets.set(relative(dir, path).split(sep).join('/'), {
          body: new Uint8Array(readFileSync(path)),
          type: TYPES[extname(entry.name)]!,
        });
      }
    }
  };
  walk(dir);
  return assets;
}

export interface ConsoleAssetsOptions {
  readonly distDir: string;
  /**
   * Whether the console may be shown now. In production it is shown only once a console:* key exists, so
   * a fresh deployment does not publish a sign-in page nobody can use (and nobody watches).
   */
  readonly available: () => Promise<boolean>;
}

/** Serves the built console at /console/ (files only from the build's own listing: no path is joined). */
export function consoleAssetsPlugin(options: ConsoleAssetsOptions): Plugin {
  let assets: Map<string, Asset> | null = null;
  return {
    async onRequest({ url, request, endResponse, fetchAPI }) {
      if (url.pathname !== '/console' && !url.pathname.startsWith('/console/')) return;
      const page = (status: number, text: string) =>
        new fetchAPI.Response(
          `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>FaceGate console</title></head><body><h1>FaceGate console</h1><p>${text}</p></body></html>`,
          {
            status,
            headers: {
              'content-type': 'text/html; charset=utf-8',
              'content-security-policy': CONSOLE_CSP,
              'x-frame-options': 'DENY',
              'cache-control': 'no-store',
            },
          },
        );
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        endResponse(new fetchAPI.Response(null, { status: 405, headers: { allow: 'GET, HEAD' } }));
        return;
      }
      if (!(await options.available())) {
        endResponse(
          page(
            404,
            'The console is shown in production only once an API key with a console:* scope exists: create one with <code>facegate keys create --name ops --scopes console:read</code>.',
          ),
        );
        return;
      }
      if (url.pathname === '/console') {
        endResponse(new fetchAPI.Response(null, { status: 308, headers: { location: '/console/' } }));
        return;
      }
      assets ??= loadAssets(options.distDir);
      if (assets === null) {
        endResponse(
          page(
            503,
            `The console has not been built. Run <code>${BUILD_COMMAND}</code> (npm start builds it), then reload.`,
          ),
        );
        return;
      }
      const path = url.pathname.slice('/console/'.length) || 'index.html';
      const asset = assets.get(path);
      if (asset === undefined) {
        endResponse(page(404, 'No such console file.'));
        return;
      }
      // hashed file names under assets/ never change; the page itself always revalidates
      const immutable = path.startsWith('assets/');
      endResponse(
        new fetchAPI.Response(request.method === 'HEAD' ? null : asset.body, {
          status: 200,
          headers: {
            'content-type': asset.type,
            'content-security-policy': CONSOLE_CSP,
            'x-frame-options': 'DENY',
            'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-store',
          },
        }),
      );
    },
  };
}

/**
 * Outside production the console is always available. In production, only while an unrevoked key with a
 * console:* scope exists (asked at most every 10 s, so a key created while serving shows it soon).
 */
export function consoleAvailability(
  production: boolean,
  keys: { list(): Promise<{ scopes: string[]; revokedAt: Date | null }[]> },
  now: () => number = Date.now,
): () => Promise<boolean> {
  if (!production) return async () => true;
  let known: { available: boolean; until: number } | null = null;
  return async () => {
    if (known !== null && known.until > now()) return known.available;
    const available = (await keys.list()).some(
      (k) => k.revokedAt === null && k.scopes.some((s) => s.startsWith('console:')),
    );
    known = { available, until: now() + 10_000 };
    return available;
  };
}
