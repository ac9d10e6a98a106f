import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MIN_SECRET_LENGTH } from '../config/secret-strength';

/**
 * Sandbox mode needs no setup: a master secret is generated once into DATA_DIR (owner-only file) and
 * reused, so tokens and stored keys survive restarts. Production always takes FACEGATE_SECRET.
 */
export async function loadOrCreateSandboxSecret(
  dataDir: string,
): Promise<{ secret: string; path: string; created: boolean }> {
  const path = join(dataDir, 'sandbox-secret');
  try {
    const existing = (await readFile(path, 'utf8')).trim();
    if (existing.length >= MIN_SECRET_LENGTH) return { secret: existing, path, created: false };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const secret = randomBytes(48).toString('base64url');
  await writeFile(path, `${secret}\n`, { mode: 0o600 });
  return { secret, path, created: true };
}
