// Builds src/ into dist/, a folder WeChat DevTools opens as it is: every own .ts file becomes one CommonJS
// file (ES2018), the workspace packages it uses become vendor chunks under dist/vendor (one copy each, so
// module state is shared between pages as in any mini program), and .json/.wxml/.wxss are copied.
import { existsSync } from 'node:fs';
import { cp, mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const srcDir = join(root, 'src');
const outDir = process.env.FACEGATE_MINIPROGRAM_OUT
  ? resolve(process.env.FACEGATE_MINIPROGRAM_OUT)
  : join(root, 'dist');
const TARGET = 'es2018';
const STATIC_EXTENSIONS = ['.json', '.wxml', '.wxss'];

/** The npm packages the mini program may use, each bundled once into dist/vendor. */
const VENDOR = {
  '@facegate/domain': 'vendor/facegate-domain.js',
  '@facegate/adapters-wechat/jsapi': 'vendor/facegate-jsapi.js',
};

const toPosix = (p) => p.split(sep).join('/');
const relativeRequire = (fromFile, toFile) => {
  const rel = toPosix(relative(dirname(fromFile), toFile));
  return rel.startsWith('.') ? rel : `./${rel}`;
};

async function walk(dir) {
  const entries = await readdir(dir, { withFileTypes: true });
  const files = [];
  for (const entry of entries) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...(await walk(full)));
    else files.push(full);
  }
  return files;
}

/**
 * Keeps every import external, rewritten to the path the mini program's require() understands:
 * own modules -> the sibling .js file, workspace packages -> their vendor chunk. Anything else is an error,
 * because DevTools cannot resolve a bare npm name without its own npm build step.
 * `outFileOf(importer)` gives the output path of the importing file.
 */
function externalizePlugin(outFileOf, { bundleOwn = false } = {}) {
  return {
    name: 'facegate-externalize',
    setup(b) {
      b.onResolve({ filter: /.*/ }, (args) => {
        if (args.kind === 'entry-point') return undefined;
        const vendorPath = VENDOR[args.path];
        if (vendorPath) {
          const importerOut = outFileOf(args.importer);
          if (importerOut === join(outDir, vendorPath)) return undefined;
          return { path: relativeRequire(importerOut, join(outDir, vendorPath)), external: true };
        }
        if (args.path.startsWith('.')) {
          if (bundleOwn) return undefined;
          const abs = resolve(args.resolveDir, args.path);
          const target = existsSync(`${abs}.ts`)
            ? `${abs}.ts`
            : existsSync(join(abs, 'index.ts'))
              ? join(abs, 'index.ts')
              : null;
          if (!target) return { errors: [{ text: `cannot resolve ${args.path}` }] };
          return { path: relativeRequire(outFileOf(args.importer), outFileOf(target)), external: true };
        }
        if (bundleOwn) return undefined;
        return {
          errors: [
            { text: `bare import "${args.path}" is not allowed in the mini program; add it to VENDOR` },
          ],
        };
      });
    },
  };
}

const common = {
  bundle: true,
  format: 'cjs',
  target: TARGET,
  platform: 'neutral',
  mainFields: ['module', 'main'],
  conditions: ['source', 'import', 'default'],
  charset: 'utf8',
  logLevel: 'warning',
  legalComments: 'none',
};

async function buildVendor() {
  for (const [pkg, outPath] of Object.entries(VENDOR)) {
    const outfile = join(outDir, outPath);
    await build({
      ...common,
      absWorkingDir: root,
      entryPoints: [pkg],
      outfile,
      plugins: [
        {
          name: 'facegate-vendor-externals',
          setup(b) {
            // A vendor chunk imports another workspace package through that package's own chunk.
            b.onResolve({ filter: /^@facegate\// }, (args) => {
              if (args.kind === 'entry-point' || args.path === pkg) return undefined;
              const other = VENDOR[args.path];
              if (!other)
                return { errors: [{ text: `${pkg} imports ${args.path}, which has no vendor chunk` }] };
              return { path: relativeRequire(outfile, join(outDir, other)), external: true };
            });
          },
        },
      ],
    });
  }
}

async function buildOwn(tsFiles) {
  const outFileOf = (file) => join(outDir, relative(srcDir, file)).replace(/\.ts$/, '.js');
  await build({
    ...common,
    absWorkingDir: root,
    entryPoints: tsFiles,
    outdir: outDir,
    outbase: srcDir,
    plugins: [externalizePlugin(outFileOf)],
  });
}

/** The acceptance rule of DevTools, checked here so a bad build fails loudly. */
async function checkOutput() {
  const problems = [];
  for (const file of await walk(outDir)) {
    if (file.endsWith('.ts')) problems.push(`${relative(outDir, file)}: TypeScript left in the output`);
    if (!file.endsWith('.js')) continue;
    const code = await readFile(file, 'utf8');
    for (const match of code.matchAll(/\brequire\(\s*["'`]([^"'`]+)["'`]\s*\)/g)) {
      if (!match[1].startsWith('.')) problems.push(`${relative(outDir, file)}: bare require("${match[1]}")`);
    }
  }
  if (problems.length > 0)
    throw new Error(`build output is not loadable by DevTools:\n${problems.join('\n')}`);
}

export async function buildMiniprogram() {
  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  const files = await walk(srcDir);
  const tsFiles = files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'));
  await buildVendor();
  await buildOwn(tsFiles);
  for (const file of files) {
    if (STATIC_EXTENSIONS.some((ext) => file.endsWith(ext))) {
      const dest = join(outDir, relative(srcDir, file));
      await mkdir(dirname(dest), { recursive: true });
      await cp(file, dest);
    }
  }
  await checkOutput();
  return outDir;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  buildMiniprogram()
    .then((dir) => console.log(`mini program built into ${relative(process.cwd(), dir) || '.'}`))
    .catch((error) => {
      console.error(error.message);
      process.exit(1);
    });
}
