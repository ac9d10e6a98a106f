// Measures how long `facegate serve` takes from spawn to its first 200 on /healthz (sandbox mode, embedded
// database already migrated), as the median of several starts. Used for the README's start-up figures.
// Usage: node scripts/startup-time.mjs [runs] [-- command args...]   (default: the built CLI)
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const args = process.argv.slice(2);
const split = args.indexOf('--');
const runs = Number(split === 0 ? 5 : (args[0] ?? 5));
const command = split >= 0 ? args.slice(split + 1) : ['node', 'packages/gateway/bin/facegate.mjs', 'serve'];
const dataDir = mkdtempSync(join(tmpdir(), 'facegate-startup-'));
const port = 4700 + Math.floor(Math.random() * 200);

async function once() {
  const started = performance.now();
  const child = spawn(command[0], command.slice(1), {
    env: {
      ...process.env,
      DATA_DIR: dataDir,
      PORT: String(port),
      SANDBOX_PORT: String(port + 1),
      LOG_LEVEL: 'warn',
    },
    stdio: 'ignore',
  });
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`the server exited with ${child.exitCode}`);
      const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) return performance.now() - started;
      if (performance.now() - started > 60_000) throw new Error('no /healthz within 60 s');
      await new Promise((r) => setTimeout(r, 10));
    }
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => (child.exitCode !== null ? r() : child.once('exit', r)));
  }
}

await once(); // the first start migrates the embedded database; not counted
const times = [];
for (let i = 0; i < runs; i++) times.push(await once());
times.sort((a, b) => a - b);
rmSync(dataDir, { recursive: true, force: true });
console.log(
  `${command.join(' ')}: median ${Math.round(times[Math.floor(times.length / 2)])} ms to /healthz ` +
    `(${runs} starts: ${times.map((t) => Math.round(t)).join(', ')} ms)`,
);
