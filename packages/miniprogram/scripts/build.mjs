// Builds src/ into dist/, a folder WeChat DevTools opens as it is: every own .ts file becomes one CommonJS
// file (ES2018) and .json/.wxml/.wxss are copied. @facegate/miniprogram-sdk is built and placed under
// dist/miniprogram_npm/ exactly as DevTools' "build npm" would copy its `miniprogram` folder, so the pages
// use <facegate-verify> and the plain API the way any host mini program does.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, rm } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { checkOutput as checkSdkOutput, walk } from '../../miniprogram-sdk/scripts/build.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const srcDir = join(root, 'src');
const outDir = process.env.FACEGATE_MINIPROGRAM_OUT
  ? resolve(process.env.FACEGATE_MINIPROGRAM_OUT)
  : join(root, 'dist');
const TARGET = 'es2018';
const STATIC_EXTENSIONS = ['.json', '.wxml', '.wxss'];

/** The npm packages the mini program may use, and the file WeChat's require finds after "build npm". */
const SDK_NPM_DIR = 'miniprogram_npm/@facegate/miniprogram-sdk';
const VENDOR = {
  '@facegate/miniprogram-sdk': `${SDK_NPM_DIR}/index.js`,
};
const sdkBuildScript = join(root, '..', 'miniprogram-sdk', 'scripts', 'build.mjs');

const toPosix = (p) => p.split(sep).join('/');
const relativeRequire = (fromFile, toFile) => {
  const rel = toPosix(relative(dirname(fromFile), toFile));
  return rel.startsWith('.') ? rel : `./${rel}`;
};

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
          return {
            path: relativeRequire(outFileOf(args.importer), join(outDir, vendorPath)),
            external: true,
          };
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
            {
              text: `bare import "${args.path}" is not allowed in the mini program; use @facegate/miniprogram-sdk`,
            },
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

/** "build npm": the SDK's `miniprogram` folder, copied as it is into miniprogram_npm/<name>/. */
function buildNpm() {
  execFileSync(process.execPath, [sdkBuildScript], {
    env: { ...process.env, FACEGATE_SDK_OUT: join(outDir, SDK_NPM_DIR) },
    stdio: 'pipe',
  });
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

/** The acceptance rule of DevTools (the SDK's own check), so a bad build fails loudly. */
async function checkOutput() {
  const problems = await checkSdkOutput(outDir);
  if (problems.length > 0)
    throw new Error(`build output is not loadable by DevTools:\n${problems.join('\n')}`);
}

export async function buildMiniprogram() {
  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  const files = await walk(srcDir);
  const tsFiles = files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'));
  buildNpm();
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
