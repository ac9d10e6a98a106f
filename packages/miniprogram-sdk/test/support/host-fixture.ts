import { cpSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { sdkPackageDir } from './build-sdk';
import { SDK_NPM_DIR } from './miniprogram-harness';

/**
 * The host mini program of test/fixtures/host with the built SDK where DevTools' "build npm" puts it, a
 * node_modules link so Node's require finds the same copy, and config.js naming the gateway.
 */
export function buildHostWith(sdkDist: string, gatewayUrl: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'facegate-host-'));
  cpSync(join(sdkPackageDir, 'test/fixtures/host'), dir, { recursive: true });
  mkdirSync(dirname(join(dir, SDK_NPM_DIR)), { recursive: true });
  cpSync(sdkDist, join(dir, SDK_NPM_DIR), { recursive: true });
  mkdirSync(join(dir, 'node_modules/@facegate'), { recursive: true });
  symlinkSync(join(dir, SDK_NPM_DIR), join(dir, 'node_modules/@facegate/miniprogram-sdk'), 'dir');
  writeFileSync(join(dir, 'config.js'), `module.exports = { gateway: ${JSON.stringify(gatewayUrl)} };\n`);
  return dir;
}
