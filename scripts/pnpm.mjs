// Runs the pinned pnpm through npx, so a fresh machine needs only Node and npm
// (corepack is not relied on: its signature check fails on some machines).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const pnpm = pkg.packageManager; // e.g. pnpm@12.4.2
const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';
const run = spawnSync(npx, ['--yes', pnpm, ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(run.status ?? 1);
