import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILD_COMMAND } from '../support/build-once';

const root = fileURLToPath(new URL('../..', import.meta.url));

interface Instruction {
  readonly op: string;
  readonly args: string;
}
interface Stage {
  readonly from: string;
  readonly name: string | null;
  readonly instructions: Instruction[];
}

/** The Dockerfile as stages of instructions (continuation lines joined, comments dropped). */
function parseDockerfile(text: string): Stage[] {
  const lines = text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  const stages: Stage[] = [];
  for (const line of lines) {
    const [, op = '', args = ''] = /^(\S+)\s+(.*)$/.exec(line) ?? [];
    if (op.toUpperCase() === 'FROM') {
      const [image = '', , name = null] = args.split(/\s+/);
      stages.push({ from: image, name, instructions: [] });
    } else {
      stages.at(-1)?.instructions.push({ op: op.toUpperCase(), args });
    }
  }
  return stages;
}

const execForm = (args: string): string[] => JSON.parse(args) as string[];
const all = (stage: Stage, op: string) => stage.instructions.filter((i) => i.op === op);

function envOf(stage: Stage): Record<string, string> {
  const env: Record<string, string> = {};
  for (const { args } of all(stage, 'ENV')) {
    for (const [, key, value] of args.matchAll(/(\w+)=(\S+)/g)) env[key!] = value!;
  }
  return env;
}

/** Checks what can be checked without a container daemon: the build stage's steps and the image's CMD. */
describe('Dockerfile', () => {
  const stages = parseDockerfile(readFileSync(join(root, 'Dockerfile'), 'utf8'));
  const [build, runtime] = stages as [Stage, Stage];
  let out: string;
  let dataDir: string;
  let server: ChildProcess | null = null;

  beforeAll(() => {
    out = join(mkdtempSync(join(tmpdir(), 'facegate-image-')), 'out');
    dataDir = mkdtempSync(join(tmpdir(), 'facegate-image-data-'));
  });
  afterAll(() => {
    server?.kill('SIGKILL');
    rmSync(join(out, '..'), { recursive: true, force: true });
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('has a build stage and a runtime stage on the same official Node image, running as a non-root user', () => {
    expect(stages).toHaveLength(2);
    expect(build.name).toBe('build');
    expect(build.from).toMatch(/^node:\d+-bookworm-slim$/);
    expect(runtime.from).toBe(build.from);
    const user = all(runtime, 'USER').at(-1)?.args;
    expect(user).toBe('node');
    expect(envOf(runtime)).toMatchObject({ NODE_ENV: 'production', HOST: '0.0.0.0' });
    // a host's node_modules or stale dist/ must never reach the image
    const ignored = readFileSync(join(root, '.dockerignore'), 'utf8').split('\n');
    expect(ignored).toEqual(expect.arrayContaining(['**/node_modules', '**/dist', '.git']));
  });

  it('copies only paths that exist, and its build steps produce what the runtime stage copies', () => {
    for (const { args } of all(build, 'COPY')) {
      const sources = args.split(/\s+/).slice(0, -1);
      for (const source of sources) expect(existsSync(join(root, source)), source).toBe(true);
    }
    // the install step is the test command's own first step, and the build the suite's global setup (run here
    // again, it would replace every dist/ folder under the other tests' CLIs); run the deploy as written
    const runs = all(build, 'RUN').map((r) => r.args);
    expect(runs[0]).toBe('node scripts/pnpm.mjs install --frozen-lockfile');
    expect(runs[1]).toBe(BUILD_COMMAND);
    for (const command of runs.slice(2)) {
      const [exe, ...args] = command.replace(/ \/out$/, ` ${out}`).split(' ');
      expect(exe).toBe('node');
      execFileSync(process.execPath, args, { cwd: root, stdio: 'pipe' });
    }
    const copies = all(runtime, 'COPY').map((c) => c.args.split(/\s+/));
    expect(copies).toEqual([['--from=build', '--chown=node:node', '/out', './']]);
    expect(existsSync(join(out, 'bin/facegate.mjs'))).toBe(true);
    expect(existsSync(join(out, 'dist/cli.js'))).toBe(true);
    // the operator console's built page travels with the gateway that serves it
    expect(existsSync(join(out, 'node_modules/@facegate/console/dist/index.html'))).toBe(true);
    // production dependencies only: no TypeScript runner in the image
    expect(existsSync(join(out, 'node_modules/tsx'))).toBe(false);
    expect(existsSync(join(out, 'node_modules/typescript'))).toBe(false);
  }, 180_000);

  it('starts with its CMD and answers its HEALTHCHECK', async () => {
    const cmd = execForm(all(runtime, 'CMD')[0]!.args);
    expect(cmd[0]).toBe('node');
    const port = 4900 + Math.floor(Math.random() * 90);
    const env = {
      PATH: process.env.PATH ?? '',
      ...envOf(runtime),
      // loopback here, where the image would listen on every interface of its own network namespace
      HOST: '127.0.0.1',
      PORT: String(port),
      // the image's operators' /metrics port (9464) may be taken on a shared machine
      METRICS_PORT: String(port + 7),
      DATA_DIR: dataDir,
      WECHAT_APP_ID: 'wx0123456789abcdef',
      WECHAT_APP_SECRET: 'image-test-app-secret-0123456789',
      FACEGATE_SECRET: 'image-test-facegate-secret-0123456789abcdef',
    };
    server = spawn(process.execPath, cmd.slice(1), { cwd: out, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    server.stdout?.on('data', (c) => (output += c));
    server.stderr?.on('data', (c) => (output += c));

    const healthcheck = all(runtime, 'HEALTHCHECK')[0]!.args.replace(/^.*?CMD\s+/, '');
    const [exe, ...args] = execForm(healthcheck);
    expect(exe).toBe('node');
    const deadline = Date.now() + 60_000;
    let healthy = false;
    while (!healthy && Date.now() < deadline && server.exitCode === null) {
      try {
        execFileSync(process.execPath, args, { env, stdio: 'ignore', timeout: 10_000 });
        healthy = true;
      } catch {
        await new Promise((r) => setTimeout(r, 250));
      }
    }
    expect(healthy, output).toBe(true);
    // the server answers as soon as it listens; its banner follows a moment later
    while (!output.includes('listening on') && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    expect(output).toContain(`listening on http://127.0.0.1:${port}`);

    const exited = new Promise<number | null>((resolve) => server!.once('exit', resolve));
    server.kill('SIGTERM');
    expect(await exited).toBe(0);
    server = null;
  }, 90_000);
});
