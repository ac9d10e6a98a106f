import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Env, read } from './env';

/**
 * The checkout this gateway runs from: the nearest folder above its own files holding pnpm-workspace.yaml.
 * Found from the code's location, not the current folder, so `npm start` (run in packages/gateway) and a
 * CLI command run anywhere agree on it. Null when the gateway is installed outside the workspace.
 */
export function findProjectRoot(from: string = dirname(fileURLToPath(import.meta.url))): string | null {
  for (let dir = resolve(from); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'pnpm-workspace.yaml'))) return dir;
    if (dirname(dir) === dir) return null;
  }
}

/**
 * DATA_DIR means one folder whichever folder a command runs from: in a checkout it is relative to the
 * project root (default `<root>/.facegate`); installed elsewhere the default is the per-user data folder
 * (`$XDG_DATA_HOME/facegate`, else `~/.local/share/facegate`) and a relative DATA_DIR is taken from the
 * current folder. `base` replaces the project root (tests).
 */
export function resolveDataDir(env: Env, base: string | null = findProjectRoot()): string {
  const raw = read(env, 'DATA_DIR');
  if (raw !== undefined && isAbsolute(raw)) return raw;
  if (base !== null) return resolve(base, raw ?? '.facegate');
  if (raw !== undefined) return resolve(raw);
  return join(read(env, 'XDG_DATA_HOME') ?? join(homedir(), '.local', 'share'), 'facegate');
}
