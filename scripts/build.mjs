// Builds the JavaScript that FaceGate runs and publishes: for each runtime package below, every `exports` entry with a
// `source` condition is bundled by esbuild into the file its `default` condition names (ES modules for Node 20+,
// third-party packages and other FaceGate packages left as imports, code shared by entries split into chunks so
// classes keep one identity). Type declarations come from `tsc -b` (`npm run typecheck`), into dist/types.
// The operator console (packages/console), a browser app the gateway serves, is built by its own Vite config.
// Usage: node scripts/build.mjs [package-folder ...]   (default: every runtime package and the console)
import { spawnSync } from 'node:child_process';
import { cp, mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { dirname, join, posix, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Runtime packages, in dependency order; `assets` are folders copied beside the bundles; `entries` are entry
 * points no export names (a worker thread's file, which its package starts by its path beside the bundles).
 */
const PACKAGES = {
  domain: {},
  'adapters-wechat': {},
  'adapters-postgres': {
    assets: [['src/migrations', 'dist/migrations']],
    entries: { 'pglite-worker': 'src/database/pglite-worker.ts' },
  },
  'wechat-sandbox': {},
  gateway: {},
};

async function buildPackage(folder, { assets = [], entries = {} }) {
  const dir = join(root, 'packages', folder);
  const pkg = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8'));
  const entryPoints = {};
  for (const [subpath, target] of Object.entries(pkg.exports ?? {})) {
    if (typeof target !== 'object' || !target.source || !target.default) continue;
    const out = posix.normalize(target.default);
    if (!out.startsWith('dist/') || !out.endsWith('.js')) {
      throw new Error(
        `${pkg.name}: exports["${subpath}"].default must be a .js file under dist/, got ${out}`,
      );
    }
    entryPoints[out.slice('dist/'.length, -'.js'.length)] = join(dir, target.source);
  }
  if (Object.keys(entryPoints).length === 0)
    throw new Error(`${pkg.name}: no exports with a source to build`);
  for (const [out, source] of Object.entries(entries)) entryPoints[out] = join(dir, source);

  // dist/types belongs to tsc -b (incremental): keep it, replace everything else
  await mkdir(join(dir, 'dist'), { recursive: true });
  for (const entry of await readdir(join(dir, 'dist'))) {
    if (entry !== 'types') await rm(join(dir, 'dist', entry), { recursive: true, force: true });
  }
  await build({
    entryPoints,
    outdir: join(dir, 'dist'),
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    conditions: ['source'],
    chunkNames: '[name]-[hash]',
    sourcemap: true,
    logLevel: 'warning',
  });
  for (const [from, to] of assets) await cp(join(dir, from), join(dir, to), { recursive: true });
  return pkg.name;
}

function buildConsole() {
  const dir = join(root, 'packages', 'console');
  const vite = join(dir, 'node_modules', 'vite', 'bin', 'vite.js');
  const run = spawnSync(process.execPath, [vite, 'build', '--logLevel', 'warn'], {
    cwd: dir,
    stdio: 'inherit',
  });
  if (run.status !== 0) throw new Error(`the console's Vite build failed (exit ${run.status})`);
}

const requested = process.argv.slice(2);
const folders = requested.length > 0 ? requested : [...Object.keys(PACKAGES), 'console'];
const started = performance.now();
for (const folder of folders) {
  if (folder === 'console') buildConsole();
  else if (folder in PACKAGES) await buildPackage(folder, PACKAGES[folder]);
  else throw new Error(`unknown package folder "${folder}" (one of ${Object.keys(PACKAGES)}, console)`);
}
console.log(`built ${folders.join(', ')} in ${Math.round(performance.now() - started)} ms`);
