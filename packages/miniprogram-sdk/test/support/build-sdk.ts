import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

// (path arithmetic, not `new URL`: under jsdom the global URL is jsdom's, which node:url rejects)
export const sdkPackageDir = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * Runs the real build script (what `npm pack` runs as prepack) into a fresh folder outside the package, so
 * parallel test files never share or clobber an output.
 */
export function buildSdkIntoTempDir(): string {
  const outDir = mkdtempSync(join(tmpdir(), 'facegate-sdk-dist-'));
  execFileSync(process.execPath, ['scripts/build.mjs'], {
    cwd: sdkPackageDir,
    env: { ...process.env, FACEGATE_SDK_OUT: outDir },
    stdio: 'pipe',
  });
  return outDir;
}
