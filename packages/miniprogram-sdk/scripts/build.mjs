// Builds src/ into miniprogram_dist/, the folder DevTools' "build npm" copies into miniprogram_npm as it is:
// core.js (the SDK with @facegate/domain and the jsapi adapter bundled in), index.js (the plain API, which
// requires ./core.js) and facegate-verify/ (the component: index.js requiring ../core.js, plus its
// .json/.wxml/.wxss). CommonJS, ES2018, no TypeScript, no bare require, no Node built-in.
// With --with-types (what `npm pack` runs as prepack) it also writes types/: the declarations of the plain API
// for TypeScript mini programs, which name @facegate/domain (a dependency) for the domain's types.

import { spawnSync } from 'node:child_process';
import { cp, mkdir, readdir, readFile, rm, stat } from 'node:fs/promises';
import { builtinModules, createRequire } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const srcDir = join(root, 'src');
const outDir = process.env.FACEGATE_SDK_OUT
  ? resolve(process.env.FACEGATE_SDK_OUT)
  : join(root, 'miniprogram_dist');
const CORE_SOURCE = join(srcDir, 'core.ts');
const STATIC_EXTENSIONS = ['.json', '.wxml', '.wxss'];
/** Entry points, each one output file; everything else is bundled into core.js. */
const ENTRIES = ['core.ts', 'index.ts', 'facegate-verify/index.ts'];

const toPosix = (p) => p.split(sep).join('/');
const outFileOf = (file) => join(outDir, relative(srcDir, file)).replace(/\.ts$/, '.js');

export async function walk(dir) {
  const entries = await readdir(dir, { withFileTypes: true });
  const files = [];
  for (const entry of entries) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...(await walk(full)));
    else files.push(full);
  }
  return files;
}

/** index.js and the component require core.js by relative path instead of bundling a second copy. */
const coreExternal = {
  name: 'facegate-core-external',
  setup(b) {
    b.onResolve({ filter: /(^|\/)core$/ }, (args) => {
      const target = resolve(args.resolveDir, `${args.path}.ts`);
      if (target !== CORE_SOURCE || args.importer === CORE_SOURCE) return undefined;
      const rel = toPosix(relative(dirname(outFileOf(args.importer)), outFileOf(CORE_SOURCE)));
      return { path: rel.startsWith('.') ? rel : `./${rel}`, external: true };
    });
    b.onResolve({ filter: /^node:/ }, (args) => ({
      errors: [{ text: `Node built-in "${args.path}" imported by ${relative(root, args.importer)}` }],
    }));
  },
};

/** What DevTools and WeChat's require accept, checked here so a bad build fails loudly. */
export async function checkOutput(dir) {
  const problems = [];
  const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));
  for (const file of await walk(dir)) {
    const name = toPosix(relative(dir, file));
    if (file.endsWith('.ts')) problems.push(`${name}: TypeScript in the output`);
    if (!file.endsWith('.js')) continue;
    const code = await readFile(file, 'utf8');
    if (/^\s*(import|export)\s/m.test(code)) problems.push(`${name}: ES module syntax`);
    for (const match of code.matchAll(/\b(?:require|import)\(\s*["'`]([^"'`]+)["'`]\s*\)/g)) {
      const target = match[1];
      if (builtins.has(target)) problems.push(`${name}: Node built-in "${target}"`);
      else if (!target.startsWith('.')) problems.push(`${name}: bare require("${target}")`);
      else if (!(await stat(join(dirname(file), target)).catch(() => null)))
        problems.push(`${name}: require("${target}") points nowhere`);
    }
  }
  return problems;
}

export async function buildSdk() {
  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  await build({
    absWorkingDir: root,
    entryPoints: ENTRIES.map((e) => join(srcDir, e)),
    outdir: outDir,
    outbase: srcDir,
    bundle: true,
    format: 'cjs',
    target: 'es2018',
    platform: 'neutral',
    mainFields: ['module', 'main'],
    conditions: ['source', 'import', 'default'],
    charset: 'utf8',
    legalComments: 'none',
    logLevel: 'warning',
    plugins: [coreExternal],
  });
  for (const file of await walk(srcDir)) {
    if (STATIC_EXTENSIONS.some((ext) => file.endsWith(ext))) {
      const dest = join(outDir, relative(srcDir, file));
      await mkdir(dirname(dest), { recursive: true });
      await cp(file, dest);
    }
  }
  const problems = await checkOutput(outDir);
  if (problems.length > 0)
    throw new Error(`the SDK output is not loadable by WeChat:\n${problems.join('\n')}`);
  return outDir;
}

/** types/ from src/index.ts, against the built declarations of the packages it imports (not their sources). */
export async function buildTypes() {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const run = (args) => {
    const result = spawnSync(process.execPath, [tsc, ...args], { cwd: root, stdio: 'inherit' });
    if (result.status !== 0) throw new Error(`tsc ${args.join(' ')} failed (exit ${result.status})`);
  };
  await rm(join(root, 'types'), { recursive: true, force: true });
  run(['-b', '../adapters-wechat']);
  run(['-p', 'tsconfig.types.json']);
  return join(root, 'types');
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  buildSdk()
    .then(async (dir) => {
      if (process.argv.includes('--with-types')) await buildTypes();
      let bytes = 0;
      for (const file of await walk(dir)) bytes += (await stat(file)).size;
      console.log(`SDK built into ${relative(process.cwd(), dir) || '.'} (${(bytes / 1024).toFixed(1)} KiB)`);
    })
    .catch((error) => {
      console.error(error.message);
      process.exit(1);
    });
}
