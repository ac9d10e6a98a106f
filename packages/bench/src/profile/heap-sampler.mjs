// Preloaded into a gateway by `pnpm bench -- --heap-profile` (node --import). Each SIGUSR2 toggles V8's
// sampling heap profiler; objects already collected stay in the profile (includeObjectsCollectedBy*), so it
// counts every allocation of the window, not only what survived it. On stop it writes the profile to
// FACEGATE_BENCH_HEAP_DIR/<n>.heapprofile; on start it writes <n>.started, so the bench knows when to load.
import { renameSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';

const dir = process.env.FACEGATE_BENCH_HEAP_DIR;
if (dir) {
  const session = new Session();
  session.connect();
  let window = 0;
  let sampling = false;
  let busy = Promise.resolve();
  process.on('SIGUSR2', () => {
    busy = busy.then(async () => {
      if (!sampling) {
        window += 1;
        await session.post('HeapProfiler.startSampling', {
          samplingInterval: 8192,
          includeObjectsCollectedByMajorGC: true,
          includeObjectsCollectedByMinorGC: true,
        });
        sampling = true;
        writeFileSync(join(dir, `${window}.started`), '');
      } else {
        const { profile } = await session.post('HeapProfiler.stopSampling');
        sampling = false;
        writeFileSync(join(dir, `${window}.heapprofile.tmp`), JSON.stringify(profile));
        // renamed when complete: the bench reads it as soon as it appears
        renameSync(join(dir, `${window}.heapprofile.tmp`), join(dir, `${window}.heapprofile`));
      }
    });
  });
}
