// Measures how long `facegate serve` takes from spawn to its first 200 on /healthz (sandbox mode, embedded
// database already migrated), as the median of several starts, in wall time and in the CPU time the server
// process had used by then (which a loaded machine disturbs far less). Used for the README's start-up figures.
// Usage: node scripts/startup-time.mjs [runs] [-- command args...]   (default: the built CLI)
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const args = process.argv.slice(2);
const split = args.indexOf('--');
const runs = Number(split === 0 ? 5 : (args[0] ?? 5));
const command = split >= 0 ? args.slice(split + 1) : ['node', 'packages/gateway/bin/facegate.mjs', 'serve'];
const dataDir = mkdtempSync(join(tmpdir(), 'facegate-startup-'));
const port = 4700 + Math.floor(Math.random() * 200);

/** user + system CPU milliseconds of a process, from /proc (Linux). */
function cpuMs(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime, stime in clock ticks (USER_HZ 100)
}

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
      if (ok) return { wall: performance.now() - started, cpu: cpuMs(child.pid) };
      if (performance.now() - started > 60_000) throw new Error('no /healthz within 60 s');
      await new Promise((r) => setTimeout(r, 10));
    }
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => (child.exitCode !== null ? r() : child.once('exit', r)));
  }
}

await once(); // the first start migrates the embedded database; not counted
const samples = [];
for (let i = 0; i < runs; i++) samples.push(await once());
rmSync(dataDir, { recursive: true, force: true });
const median = (values) => Math.round(values.sort((a, b) => a - b)[Math.floor(values.length / 2)]);
console.log(
  `${command.join(' ')}: median ${median(samples.map((s) => s.wall))} ms wall, ` +
    `${median(samples.map((s) => s.cpu))} ms CPU to /healthz over ${runs} starts`,
);
