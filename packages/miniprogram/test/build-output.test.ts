import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildIntoTempDir } from './support/build-once';

const require = createRequire(import.meta.url);
let dist: string;

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    return statSync(full).isDirectory() ? filesUnder(full) : [full];
  });
}

beforeAll(() => {
  dist = buildIntoTempDir();
});
afterAll(() => {
  if (dist) rmSync(dist, { recursive: true, force: true });
});

describe('the build output opens in WeChat DevTools without edits', () => {
  it('has the app files and a DevTools project rooted at the output folder', () => {
    for (const file of ['app.json', 'app.js', 'app.wxss', 'sitemap.json', 'project.config.json']) {
      expect(existsSync(join(dist, file)), file).toBe(true);
    }
    const project = JSON.parse(readFileSync(join(dist, 'project.config.json'), 'utf8'));
    expect(project.compileType).toBe('miniprogram');
    expect(project.miniprogramRoot).toBe('./');
    const app = JSON.parse(readFileSync(join(dist, 'app.json'), 'utf8'));
    expect(existsSync(join(dist, app.sitemapLocation))).toBe(true);
  });

  it('has the four files of every page in app.json', () => {
    const app = JSON.parse(readFileSync(join(dist, 'app.json'), 'utf8')) as { pages: string[] };
    expect(app.pages).toEqual(['pages/identity/index', 'pages/verify/index', 'pages/result/index']);
    for (const page of app.pages) {
      for (const ext of ['.js', '.json', '.wxml', '.wxss']) {
        expect(existsSync(join(dist, `${page}${ext}`)), `${page}${ext}`).toBe(true);
      }
    }
  });

  it('holds no TypeScript, no ES module syntax and no bare npm require', () => {
    const files = filesUnder(dist);
    expect(files.filter((f) => f.endsWith('.ts'))).toEqual([]);
    for (const file of files.filter((f) => f.endsWith('.js'))) {
      const code = readFileSync(file, 'utf8');
      const name = relative(dist, file);
      expect(code, name).not.toMatch(/^\s*(import|export)\s/m);
      const required = [...code.matchAll(/\brequire\(\s*["'`]([^"'`]+)["'`]\s*\)/g)].map((m) => m[1]!);
      expect(
        required.filter((r) => !r.startsWith('.')),
        name,
      ).toEqual([]);
      for (const target of required) {
        expect(existsSync(join(file, '..', target)), `${name} requires ${target}`).toBe(true);
      }
    }
  });

  it('holds the SDK where DevTools\' "build npm" puts it, and the pages use its component', () => {
    const sdk = join(dist, 'miniprogram_npm/@facegate/miniprogram-sdk');
    for (const file of ['index.js', 'core.js', 'facegate-verify/index.js', 'facegate-verify/index.wxml']) {
      expect(existsSync(join(sdk, file)), file).toBe(true);
    }
    for (const page of ['pages/identity/index', 'pages/verify/index']) {
      const json = JSON.parse(readFileSync(join(dist, `${page}.json`), 'utf8'));
      expect(json.usingComponents['facegate-verify'], page).toBe(
        '@facegate/miniprogram-sdk/facegate-verify/index',
      );
      expect(readFileSync(join(dist, `${page}.wxml`), 'utf8'), page).toContain('<facegate-verify');
    }
    const resultPage = readFileSync(join(dist, 'pages/result/index.js'), 'utf8');
    expect(resultPage).toContain('require("../../miniprogram_npm/@facegate/miniprogram-sdk/index.js")');
    // the flow lives in the SDK, once: no page carries a copy of it
    expect(resultPage).not.toContain('class VerifyFlow');
  });

  it('lowers syntax newer than ES2018 (no optional chaining, nullish coalescing or class fields left)', () => {
    for (const file of filesUnder(dist).filter((f) => f.endsWith('.js'))) {
      const code = readFileSync(file, 'utf8');
      expect(code, relative(dist, file)).not.toMatch(/\?\.[\w([]|\?\?=?|\|\|=|&&=/);
    }
  });

  it('every event a page template binds has its handler on the page', () => {
    const app = JSON.parse(readFileSync(join(dist, 'app.json'), 'utf8')) as { pages: string[] };
    const globals = globalThis as { Component?: unknown };
    for (const page of [...app.pages, 'miniprogram_npm/@facegate/miniprogram-sdk/facegate-verify/index']) {
      let definition: { methods?: Record<string, unknown> } | null = null;
      globals.Component = (options: typeof definition) => {
        definition = options;
      };
      require(join(dist, `${page}.js`));
      const wxml = readFileSync(join(dist, `${page}.wxml`), 'utf8');
      const handlers = [...wxml.matchAll(/\b(?:bind|catch):?\w+="(\w+)"/g)].map((m) => m[1]!);
      expect(handlers.length, page).toBeGreaterThan(0);
      for (const handler of handlers) {
        expect(
          typeof (definition as { methods?: Record<string, unknown> } | null)?.methods?.[handler],
          `${page}: ${handler}`,
        ).toBe('function');
      }
    }
    delete globals.Component;
  });
});
