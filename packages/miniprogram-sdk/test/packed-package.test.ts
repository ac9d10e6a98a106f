// @vitest-environment jsdom
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { SANDBOX_TEST_IDENTITIES } from '@facegate/wechat-sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sdkPackageDir } from './support/build-sdk';
import { type LiveGateway, startLiveGateway } from './support/live-gateway';
import { MiniProgramHarness, MODERN_PHONE, SDK_NPM_DIR } from './support/miniprogram-harness';
import { npmPack, type PackedTarball, pointersOf } from './support/pack';

/**
 * The packages as npm publishes them: `npm pack` of @facegate/domain and @facegate/miniprogram-sdk, both
 * tarballs installed (offline: nothing may come from a registry) into a TypeScript mini program outside the
 * workspace, its page type-checked against the installed declarations and run under miniprogram-simulate
 * against a live gateway, with the component from miniprogram_npm as DevTools' "build npm" leaves it.
 */

const require = createRequire(import.meta.url);
const tsc = require.resolve('typescript/bin/tsc');
const domainDir = resolve(sdkPackageDir, '../domain');
const fixture = join(sdkPackageDir, 'test/fixtures/packed-host');
const PASSING = SANDBOX_TEST_IDENTITIES.find((i) => i.scenario === 'pass')!;

let work: string;
let app: string;
let sdk: PackedTarball;
let domain: PackedTarball;
let gateway: LiveGateway | undefined;

const manifestOf = (dir: string) =>
  JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Record<string, unknown> & {
    version: string;
    dependencies?: Record<string, string>;
  };

function runTsc(project: string) {
  return spawnSync(process.execPath, [tsc, '-p', project], { cwd: app, encoding: 'utf8' });
}

beforeAll(() => {
  work = realpathSync(mkdtempSync(join(tmpdir(), 'facegate-packed-')));
  const tarballs = join(work, 'tarballs');
  mkdirSync(tarballs);
  // The domain's JavaScript is built by the suite's global setup (its prepack would rebuild dist/ under
  // other tests' feet); its declarations come from tsc -b, which writes dist/types only.
  execFileSync(process.execPath, [tsc, '-b', domainDir], { stdio: 'pipe' });
  domain = npmPack(domainDir, tarballs, { ignoreScripts: true });
  // The SDK's prepack builds miniprogram_dist/ and types/, as `npm publish` would.
  sdk = npmPack(sdkPackageDir, tarballs);
  // The mini program typings every TypeScript mini program has (DevTools' template installs them).
  const typings = npmPack(dirname(require.resolve('miniprogram-api-typings/package.json')), tarballs, {
    ignoreScripts: true,
  });

  app = join(work, 'app');
  cpSync(fixture, app, { recursive: true });
  writeFileSync(
    join(app, 'package.json'),
    `${JSON.stringify({ name: 'packed-host', version: '1.0.0', private: true }, null, 2)}\n`,
  );
  execFileSync(
    'npm',
    [
      'install',
      '--offline',
      '--no-audit',
      '--no-fund',
      '--ignore-scripts',
      domain.file,
      sdk.file,
      typings.file,
    ],
    { cwd: app, stdio: 'pipe', env: { ...process.env, npm_config_workspaces: 'false' } },
  );
}, 180_000);

afterAll(async () => {
  await gateway?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('npm pack', () => {
  it('the SDK tarball holds the built folder, the declarations, the README and the license, and nothing else', () => {
    for (const path of sdk.files) {
      expect(
        ['LICENSE', 'README.md', 'package.json'].includes(path) ||
          path.startsWith('miniprogram_dist/') ||
          (path.startsWith('types/') && path.endsWith('.d.ts')),
        path,
      ).toBe(true);
    }
    expect(sdk.files).toEqual(expect.arrayContaining(['types/index.d.ts', 'miniprogram_dist/index.js']));
    expect(sdk.files.filter((p) => p.endsWith('.ts') && !p.endsWith('.d.ts'))).toEqual([]);
  });

  it.each([
    ['@facegate/miniprogram-sdk', () => sdk],
    ['@facegate/domain', () => domain],
  ])('%s: main, types and every exports target are files inside the tarball', (name, tarball) => {
    const installed = join(app, 'node_modules', name);
    const manifest = manifestOf(installed);
    const pointers = pointersOf(manifest);
    expect(pointers.length).toBeGreaterThan(2);
    for (const target of pointers) expect(tarball().files, `${name}: ${target}`).toContain(target);
    expect(manifest.private, `${name} can be published`).toBeUndefined();
  });

  it('names its dependencies by version (npm cannot install a workspace: range), the domain at its own version', () => {
    for (const dir of [
      join(app, 'node_modules/@facegate/miniprogram-sdk'),
      join(app, 'node_modules/@facegate/domain'),
    ]) {
      for (const [dep, range] of Object.entries(manifestOf(dir).dependencies ?? {})) {
        expect(range, dep).not.toMatch(/^(workspace|link|file):/);
      }
    }
    expect(manifestOf(sdkPackageDir).dependencies?.['@facegate/domain']).toBe(manifestOf(domainDir).version);
    // the SDK's core.js carries its own copy of the domain: the dependency serves the declarations
    expect(
      readFileSync(join(app, 'node_modules/@facegate/miniprogram-sdk/miniprogram_dist/core.js'), 'utf8'),
    ).not.toMatch(/require\("@facegate/);
  });
});

describe('a TypeScript mini program outside the workspace, with both tarballs installed', () => {
  it('type-checks its page against the installed declarations (DevTools template settings, no skipLibCheck)', () => {
    // (this also writes the page's JavaScript, as DevTools compiles TypeScript: tsc, the template's CommonJS)
    const check = runTsc('tsconfig.json');
    expect(check.stdout + check.stderr).toBe('');
    expect(check.status).toBe(0);
  }, 120_000);

  it('the declarations are types, not `any`: a misuse fails to compile', () => {
    const check = runTsc('tsconfig.misuse.json');
    expect(check.status).not.toBe(0);
    // start() needs an idCardNumber, and returns a Promise, never a number
    expect(check.stdout).toMatch(/misuse\.ts.*error TS2(345|741|322)/);
  }, 120_000);

  it('runs under miniprogram-simulate: the component from miniprogram_npm verifies a user against a live gateway', async () => {
    expect(readFileSync(join(app, 'pages/index/index.js'), 'utf8')).toContain(
      'require("@facegate/miniprogram-sdk")',
    );
    // DevTools' "build npm": the package's `miniprogram` folder, copied as it is
    const installed = join(app, 'node_modules/@facegate/miniprogram-sdk');
    const miniprogramFolder = (manifestOf(installed) as { miniprogram?: string }).miniprogram!;
    mkdirSync(dirname(join(app, SDK_NPM_DIR)), { recursive: true });
    cpSync(join(installed, miniprogramFolder), join(app, SDK_NPM_DIR), { recursive: true });

    gateway = await startLiveGateway();
    const h = new MiniProgramHarness(app, gateway.graphqlUrl, gateway.sandboxUrl, {
      openid: 'o_packed_host',
      ...MODERN_PHONE,
    });
    try {
      h.open('/pages/index/index');
      expect(h.text('.host-header')).toBe('TypeScript 小程序 · 实名核验');
      // the gateway's consent text is on screen before anything can be agreed to
      await h.waitFor(() => h.exists('.consent-paragraph'), 'the consent text');
      await h.type('.name-input', PASSING.name);
      await h.type('.id-input', PASSING.idCardNumber);
      await h.change('.consent-check', { value: ['agree'] });
      await h.tap('.submit');
      // the page's own read through the plain API (from node_modules, as tsc resolved it) after the event
      await h.waitFor(
        () => h.text('.done') !== '' || h.text('.failure') !== '',
        'the page to see the outcome',
      );
      expect(h.text('.failure')).toBe('');
      expect(h.text('.done')).toBe('VERIFIED');
      expect(h.faceChecks).toHaveLength(1);
    } finally {
      h.closePage();
    }
  }, 120_000);
});
