import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSdkIntoTempDir, sdkPackageDir } from './support/build-sdk';

const require = createRequire(import.meta.url);
// the build's own check, run here on planted problems too, so it is known to catch them
const { checkOutput } = (await import(join(sdkPackageDir, 'scripts/build.mjs'))) as {
  checkOutput(dir: string): Promise<string[]>;
};

/** The budget for the whole built folder: the face flow and a GraphQL client, not a framework. */
const SIZE_BUDGET_BYTES = 96 * 1024;

let dist: string;
const temps: string[] = [];

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    return statSync(full).isDirectory() ? filesUnder(full) : [full];
  });
}

beforeAll(() => {
  dist = buildSdkIntoTempDir();
  temps.push(dist);
});
afterAll(() => {
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

describe('the built `miniprogram` folder is what WeChat loads as it is', () => {
  it('holds the plain API, the shared core and the four files of the component', () => {
    const files = filesUnder(dist)
      .map((f) => relative(dist, f).split('\\').join('/'))
      .sort();
    expect(files).toEqual([
      'core.js',
      'facegate-verify/index.js',
      'facegate-verify/index.json',
      'facegate-verify/index.wxml',
      'facegate-verify/index.wxss',
      'index.js',
    ]);
    expect(JSON.parse(readFileSync(join(dist, 'facegate-verify/index.json'), 'utf8')).component).toBe(true);
  });

  it('has no TypeScript, no ES module syntax, no bare require and no Node built-in', async () => {
    expect(await checkOutput(dist)).toEqual([]);
    const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));
    for (const file of filesUnder(dist)) {
      const name = relative(dist, file);
      expect(name.endsWith('.ts'), name).toBe(false);
      if (!file.endsWith('.js')) continue;
      const code = readFileSync(file, 'utf8');
      expect(code, name).not.toMatch(/^\s*(import|export)\s/m);
      for (const [, target] of code.matchAll(/\brequire\(\s*["'`]([^"'`]+)["'`]\s*\)/g)) {
        expect(builtins.has(target!), `${name}: ${target}`).toBe(false);
        expect(target!.startsWith('.'), `${name}: ${target}`).toBe(true);
      }
    }
  });

  it('the check catches a .ts file, a bare import and a Node built-in', async () => {
    const bad = mkdtempSync(join(tmpdir(), 'facegate-sdk-bad-'));
    temps.push(bad);
    cpSync(dist, bad, { recursive: true });
    writeFileSync(join(bad, 'left-over.ts'), 'export const x = 1;\n');
    writeFileSync(join(bad, 'uses-npm.js'), 'const lodash = require("lodash");\n');
    writeFileSync(join(bad, 'uses-node.js'), 'const fs = require("node:fs");\nconst os = require("os");\n');
    const problems = await checkOutput(bad);
    expect(problems).toEqual(
      expect.arrayContaining([
        'left-over.ts: TypeScript in the output',
        'uses-npm.js: bare require("lodash")',
        'uses-node.js: Node built-in "node:fs"',
        'uses-node.js: Node built-in "os"',
      ]),
    );
  });

  it('bundles the domain and the jsapi adapter once, into core.js, which index.js and the component share', () => {
    const index = readFileSync(join(dist, 'index.js'), 'utf8');
    const component = readFileSync(join(dist, 'facegate-verify/index.js'), 'utf8');
    expect(index).toContain('require("./core.js")');
    expect(component).toContain('require("../core.js")');
    const core = readFileSync(join(dist, 'core.js'), 'utf8');
    expect(core).toContain('var ResidentIdNumber = class');
    expect(core).toContain('var WxFaceVerifyClient = class');
    for (const code of [index, component])
      expect(code).not.toMatch(/ResidentIdNumber = class|VerifyFlow = class/);
  });

  it('lowers syntax newer than ES2018 (no optional chaining, nullish coalescing or class fields left)', () => {
    for (const file of filesUnder(dist).filter((f) => f.endsWith('.js'))) {
      const code = readFileSync(file, 'utf8');
      expect(code, relative(dist, file)).not.toMatch(/\?\.[\w([]|\?\?=?|\|\|=|&&=/);
    }
  });

  it('binds every event the component template uses to a method, and loads with only `Component` defined', () => {
    let definition: { methods?: Record<string, unknown> } | null = null;
    const globals = globalThis as { Component?: unknown };
    globals.Component = (options: typeof definition) => {
      definition = options;
    };
    try {
      require(join(dist, 'facegate-verify/index.js'));
    } finally {
      delete globals.Component;
    }
    const wxml = readFileSync(join(dist, 'facegate-verify/index.wxml'), 'utf8');
    const handlers = [...wxml.matchAll(/\b(?:bind|catch):?\w+="(\w+)"/g)].map((m) => m[1]!);
    expect(handlers.length).toBeGreaterThan(5);
    for (const handler of handlers) {
      expect(
        typeof (definition as { methods?: Record<string, unknown> } | null)?.methods?.[handler],
        handler,
      ).toBe('function');
    }
  });

  it(`stays small (under ${SIZE_BUDGET_BYTES / 1024} KiB in all)`, () => {
    const bytes = filesUnder(dist).reduce((sum, f) => sum + statSync(f).size, 0);
    console.info(`[miniprogram-sdk] built folder: ${(bytes / 1024).toFixed(1)} KiB`);
    expect(bytes).toBeLessThan(SIZE_BUDGET_BYTES);
  });
});
