import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The build, as the Dockerfile's build stage runs it from the repository root. */
export const BUILD_COMMAND = 'node scripts/build.mjs';

/**
 * vitest globalSetup: builds the runtime packages' JavaScript, which spawned CLIs (`facegate serve`) run.
 * Nothing else may run the build while the suite runs: it replaces every dist/ folder, and a CLI starting
 * meanwhile finds its modules missing.
 */
export default function buildOnce(): void {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  const [, ...args] = BUILD_COMMAND.split(' ');
  execFileSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
}
