import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

// (path arithmetic, not `new URL`: under jsdom the global URL is jsdom's, which node:url rejects)
const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * Runs the real build script (what `pnpm --filter @facegate/miniprogram build` runs) into a fresh folder
 * outside the package, so parallel test files never share or clobber an output, and Node loads the
 * CommonJS output as CommonJS (the package itself is "type": "module").
 */
export function buildIntoTempDir(): string {
  const outDir = mkdtempSync(join(tmpdir(), 'facegate-mp-dist-'));
  execFileSync(process.execPath, ['scripts/build.mjs'], {
    cwd: packageDir,
    env: { ...process.env, FACEGATE_MINIPROGRAM_OUT: outDir },
    stdio: 'pipe',
  });
  return outDir;
}
