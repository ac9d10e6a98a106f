import { execFile } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { consoleDistDir } from '../../src/http/plugins/console-assets.plugin';

/** packages/console, found the way the gateway finds its build. */
export const consolePackageDir = resolve(consoleDistDir(), '..');
const distIndex = join(consolePackageDir, 'dist', 'index.html');

/** Newest modification time under a folder. */
function newest(dir: string): number {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return latest;
}

/** Builds the console when it was never built or its sources changed since (the gateway serves dist/). */
export async function ensureConsoleBuilt(): Promise<void> {
  const sources = Math.max(
    newest(join(consolePackageDir, 'src')),
    statSync(join(consolePackageDir, 'index.html')).mtimeMs,
    statSync(join(consolePackageDir, 'vite.config.ts')).mtimeMs,
  );
  if (existsSync(distIndex) && statSync(distIndex).mtimeMs >= sources) return;
  // the package's own build script (vite build), as `npm start` runs it
  await promisify(execFile)(
    process.execPath,
    [join(consolePackageDir, 'node_modules/vite/bin/vite.js'), 'build'],
    { cwd: consolePackageDir },
  );
}
