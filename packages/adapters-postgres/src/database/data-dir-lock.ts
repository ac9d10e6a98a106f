import { open, readFile, rm } from 'node:fs/promises';
import { DatabaseConfigError, DataDirInUseError } from './database';

/**
 * An embedded database folder may be opened by one PGlite at a time: two writers would corrupt it. The lock is
 * a file holding the owner's pid; a lock whose process is gone is stale and taken over.
 */
export async function lockDataDir(lockPath: string): Promise<() => Promise<void>> {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const handle = await open(lockPath, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      return () => rm(lockPath, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = Number.parseInt(await readFile(lockPath, 'utf8').catch(() => ''), 10);
      if (Number.isInteger(owner) && owner > 0 && isAlive(owner)) {
        throw new DataDirInUseError(lockPath.replace(/[/\\][^/\\]*$/, ''), owner);
      }
      await rm(lockPath, { force: true });
    }
  }
  throw new DatabaseConfigError(`could not lock the embedded database (${lockPath})`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
