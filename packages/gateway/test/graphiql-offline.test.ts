import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GRAPHIQL_ASSETS_PATH } from '../src/http/plugins/offline-graphiql';
import { startTestGateway, type TestGateway } from './support/test-gateway';

/** Every address the page makes the browser load: src, href and CSS url(). */
function referencesOf(html: string): string[] {
  return [
    ...[...html.matchAll(/\b(?:src|href)\s*=\s*["']?([^"'\s>]+)/gi)].map((m) => m[1]!),
    ...[...html.matchAll(/url\(\s*["']?([^"')]+)/gi)].map((m) => m[1]!),
  ];
}

describe('GraphiQL without internet', () => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await startTestGateway({ database: 'pglite' });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('the page names no outside host: every script, style, icon and worker comes from the gateway', async () => {
    const page = await t.gateway.fetch('http://gateway/graphql', { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    const html = await page.text();
    expect(html).toContain('renderYogaGraphiQL');
    expect(html).toContain('<title>FaceGate</title>');
    // no absolute or protocol-relative address anywhere in the page (yoga's default page uses unpkg.com)
    expect(html).not.toMatch(/(?:https?:)?\/\/[a-z0-9.-]+\.[a-z]{2,}/i);
    expect(html).not.toContain('unpkg');

    const references = referencesOf(html);
    const workers = [...html.matchAll(/"(\/[^"]+\.worker\.js)"/g)].map((m) => m[1]!);
    expect(workers).toHaveLength(3);
    const all = [...references, ...workers];
    expect(all.length).toBeGreaterThanOrEqual(6);
    for (const reference of all) {
      expect(reference.startsWith(`${GRAPHIQL_ASSETS_PATH}/`), reference).toBe(true);
      const asset = await t.gateway.fetch(`http://gateway${reference}`);
      expect(asset.status, reference).toBe(200);
      const type = asset.headers.get('content-type') ?? '';
      const body = new Uint8Array(await asset.arrayBuffer());
      expect(body.byteLength, reference).toBeGreaterThan(100);
      if (reference.endsWith('.js')) expect(type).toMatch(/^text\/javascript/);
      if (reference.endsWith('.css')) {
        expect(type).toMatch(/^text\/css/);
        // a stylesheet may load fonts or images: none from outside
        const css = new TextDecoder().decode(body);
        expect(referencesOf(css).filter((r) => !r.startsWith('data:') && !r.startsWith('#'))).toEqual([]);
      }
    }
  });

  it('answers 404 for any other name under the assets path, including inherited property names', async () => {
    for (const name of ['nope.js', 'constructor', '__proto__', 'toString', 'sub/graphiql.css']) {
      const response = await t.gateway.fetch(`http://gateway${GRAPHIQL_ASSETS_PATH}/${name}`);
      expect(response.status, name).toBe(404);
    }
  });
});

describe('GraphiQL in production', () => {
  it('serves neither the page nor its assets', async () => {
    const t = await startTestGateway({ database: 'pglite', env: { NODE_ENV: 'production' } });
    try {
      const asset = await t.gateway.fetch(`http://gateway${GRAPHIQL_ASSETS_PATH}/yoga-graphiql.js`);
      expect(asset.status).toBe(404);
      expect(await asset.text()).not.toContain('YogaGraphiQL');
    } finally {
      await t.close();
    }
  });
});
