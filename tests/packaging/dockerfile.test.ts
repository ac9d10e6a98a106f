import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runProcess, type StartedProcess, startProcess } from '@facegate/test-support';
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
  let server: StartedProcess | null = null;

  beforeAll(() => {
    out = join(mkdtempSync(join(tmpdir(), 'facegate-image-')), 'out');
    dataDir = mkdtempSync(join(tmpdir(), 'facegate-image-data-'));
  });
  afterAll(async () => {
    await server?.stop('SIGKILL');
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
    // Prometheus scrapes the container from outside: /metrics on every interface, on its own exposed port
    expect(envOf(runtime)).toMatchObject({ METRICS_HOST: '0.0.0.0', METRICS_PORT: '9464' });
    const exposed = all(runtime, 'EXPOSE').flatMap((e) => e.args.split(/\s+/));
    expect(exposed).toEqual(expect.arrayContaining([envOf(runtime).PORT, envOf(runtime).METRICS_PORT]));
    // a host's node_modules or stale dist/ must never reach the image
    const ignored = readFileSync(join(root, '.dockerignore'), 'utf8').split('\n');
    expect(ignored).toEqual(expect.arrayContaining(['**/node_modules', '**/dist', '.git']));
  });

  it('copies only paths that exist, and its build steps produce what the runtime stage copies', () => {
    for (const { args } of all(build, 'COPY')) {
      const sources = args.split(/\s+/).slice(0, -1);
      for (const source of sources) expect(existsSync(join(root, source)), source).toBe(true);
    }
    // pnpm comes from npm (no npx at build time), at package.json's pinned version; installed here as written,
    // into a folder of its own instead of the machine's global one, and used for the steps below
    const runs = all(build, 'RUN').map((r) => r.args);
    const pinned = (
      JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { packageManager: string }
    ).packageManager;
    expect(runs[0]).toBe(`npm i -g ${pinned}`);
    const prefix = join(out, '..', 'npm-global');
    execFileSync('npm', ['i', '-g', '--prefix', prefix, pinned], { cwd: root, stdio: 'pipe' });
    const pnpm = join(prefix, 'bin', 'pnpm');
    expect(execFileSync(pnpm, ['--version'], { encoding: 'utf8' }).trim()).toBe(pinned.split('@')[1]);
    // the install step is the test command's own first step, and the build the suite's global setup (run here
    // again, it would replace every dist/ folder under the other tests' CLIs); run the deploy as written
    expect(runs[1]).toBe('pnpm install --frozen-lockfile');
    expect(runs[2]).toBe(BUILD_COMMAND);
    expect(runs.slice(3)).toEqual(['pnpm --filter @facegate/gateway deploy --prod --no-optional /out']);
    for (const command of runs.slice(3)) {
      const [exe, ...args] = command.replace(/ \/out$/, ` ${out}`).split(' ');
      expect(exe).toBe('pnpm');
      execFileSync(pnpm, args, { cwd: root, stdio: 'pipe' });
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
    // nor the WeChat sandbox: an optional dependency, loaded only in sandbox mode
    expect(existsSync(join(out, 'node_modules/@facegate/wechat-sandbox'))).toBe(false);
    expect(existsSync(join(out, 'node_modules/@facegate/domain'))).toBe(true);
  }, 240_000);

  it('without the sandbox, sandbox mode stops with one line saying what to set, before writing anything', async () => {
    const cmd = execForm(all(runtime, 'CMD')[0]!.args);
    const { code, stdout, stderr } = await runProcess(process.execPath, cmd.slice(1), {
      cwd: out,
      // development settings without WeChat credentials: sandbox mode (production refuses earlier still)
      env: { ...envOf(runtime), NODE_ENV: 'development', PORT: '0', METRICS_PORT: '0', DATA_DIR: dataDir },
      timeoutMs: 30_000,
    });
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.trim().split('\n')).toEqual([
      'facegate: configuration error: WECHAT_APP_ID: unset, so sandbox mode, but this installation leaves the WeChat sandbox (@facegate/wechat-sandbox) out: set WECHAT_APP_ID and WECHAT_APP_SECRET, or run from the repository for sandbox mode',
    ]);
    // no sandbox secret generated for a sandbox that cannot run
    expect(readdirSync(dataDir)).toEqual([]);
  }, 60_000);

  it('starts with its CMD and answers its HEALTHCHECK', async () => {
    const cmd = execForm(all(runtime, 'CMD')[0]!.args);
    expect(cmd[0]).toBe('node');
    const env = {
      ...envOf(runtime),
      // loopback here, where the image would listen on every interface of its own network namespace; ports of
      // the system's choosing (the image's own 4000 and 9464 may be taken on a shared machine)
      HOST: '127.0.0.1',
      PORT: '0',
      METRICS_PORT: '0',
      DATA_DIR: dataDir,
      WECHAT_APP_ID: 'wx0123456789abcdef',
      WECHAT_APP_SECRET: 'image-test-app-secret-0123456789',
      FACEGATE_SECRET: 'image-test-facegate-secret-0123456789abcdef',
    };
    server = startProcess(process.execPath, cmd.slice(1), { cwd: out, env });
    const [, port] = await server.waitForOutput(/listening on http:\/\/127\.0\.0\.1:(\d+)/);
    // /metrics on its own listener (on every interface, as the image sets it), not on the API port
    const [, metricsUrl] = await server.waitForOutput(/metrics: (http:\/\/\S+)\/metrics/);
    expect(metricsUrl).not.toBe(`http://127.0.0.1:${port}`);
    expect(await (await fetch(`${metricsUrl}/metrics`)).text()).toMatch(/^facegate_database_up 1$/m);
    expect((await fetch(`http://127.0.0.1:${port}/metrics`)).status).toBe(404);

    // the HEALTHCHECK as Docker runs it, inside the container's environment (PORT as the server has it)
    const healthcheck = all(runtime, 'HEALTHCHECK')[0]!.args.replace(/^.*?CMD\s+/, '');
    const [exe, ...args] = execForm(healthcheck);
    expect(exe).toBe('node');
    const check = await runProcess(process.execPath, args, {
      env: { ...env, PORT: port },
      timeoutMs: 10_000,
    });
    expect(check.code, server.output()).toBe(0);

    expect(await server.stop()).toBe(0);
    server = null;
  }, 90_000);
});
