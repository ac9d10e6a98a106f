import { fileURLToPath } from 'node:url';
import { type StartedProcess, startProcess } from '@facegate/test-support';
import { afterEach, describe, expect, it } from 'vitest';
import { CliUsageError, parseCliArgs } from '../src/cli/parse-cli-args';

const BIN = fileURLToPath(new URL('../bin/facegate-sandbox.mjs', import.meta.url));

describe('parseCliArgs', () => {
  it('reads every flag into sandbox options', () => {
    const command = parseCliArgs([
      '--port',
      '0',
      '--host',
      '0.0.0.0',
      '--app-id',
      'wx_demo',
      '--app-secret',
      'demo-secret',
      '--extra-app',
      'wx_two:two:secret',
      '--extra-app',
      'wx_three:3',
      '--token-ttl-seconds',
      '60',
      '--latency-ms',
      '20',
      '--jitter-ms',
      '5',
      '--busy-rate',
      '0.1',
      '--http5xx-rate',
      '0.2',
      '--reset-rate',
      '0.3',
      '--truncated-json-rate',
      '0.4',
      '--seed',
      '9',
      '--max-entries',
      '1000',
      '--logins-per-user-per-minute',
      '0',
    ]);
    expect(command).toEqual({
      kind: 'serve',
      options: {
        port: 0,
        host: '0.0.0.0',
        appId: 'wx_demo',
        appSecret: 'demo-secret',
        extraApps: [
          { appId: 'wx_two', appSecret: 'two:secret' },
          { appId: 'wx_three', appSecret: '3' },
        ],
        tokenTtlSeconds: 60,
        seed: 9,
        limits: { maxEntries: 1000, loginsPerUserPerMinute: 0 },
        faults: {
          latencyMs: 20,
          jitterMs: 5,
          busyRate: 0.1,
          http5xxRate: 0.2,
          resetRate: 0.3,
          truncatedJsonRate: 0.4,
        },
      },
    });
  });

  it('defaults to port 4001 and no faults', () => {
    expect(parseCliArgs([])).toEqual({ kind: 'serve', options: { port: 4001 } });
    expect(parseCliArgs(['--help'])).toEqual({ kind: 'help' });
  });

  it.each([
    [['--bogus'], 'unknown option --bogus (see --help)'],
    [['--port', 'abc'], "--port must be a whole number from 0 to 65535, not 'abc'"],
    [['--port', '1.5'], "--port must be a whole number from 0 to 65535, not '1.5'"],
    [['--port'], '--port needs a value'],
    [['--busy-rate', '1.5'], "--busy-rate must be a number from 0 to 1, not '1.5'"],
    [['--extra-app', 'wx_only'], "--extra-app must be APPID:SECRET, not 'wx_only'"],
    [['serve'], "unexpected argument 'serve' (see --help)"],
  ])('%j -> %s', (argv, message) => {
    expect(() => parseCliArgs(argv)).toThrow(new CliUsageError(message));
  });
});

describe('parseCliArgs: apps beside the main one (--app, SANDBOX_APPS)', () => {
  it('--app is repeatable; SANDBOX_APPS adds more (listed first); a secret may hold ":"', () => {
    const command = parseCliArgs(['--app', 'wx_two:two:secret', '--app', 'wx_three:3'], {
      SANDBOX_APPS: 'wx_env_one:e1, wx_env_two:e2',
    });
    expect(command).toEqual({
      kind: 'serve',
      options: {
        port: 4001,
        extraApps: [
          { appId: 'wx_env_one', appSecret: 'e1' },
          { appId: 'wx_env_two', appSecret: 'e2' },
          { appId: 'wx_two', appSecret: 'two:secret' },
          { appId: 'wx_three', appSecret: '3' },
        ],
      },
    });
    expect(parseCliArgs([], { SANDBOX_APPS: '  ' })).toEqual({ kind: 'serve', options: { port: 4001 } });
  });

  it.each([
    [['--app', 'wx_only'], {}, "--app must be APPID:SECRET (no ':' found)"],
    [
      ['--app', 'demo:s3cret'],
      {},
      "--app: appid 'demo' must start with wx and be 3-64 characters of 0-9 A-Z a-z _ -",
    ],
    [['--app', 'wx_a:'], {}, '--app: the secret of wx_a is empty'],
    [['--app', 'wx_a:  '], {}, '--app: the secret of wx_a is empty'],
    [['--app'], {}, '--app needs a value'],
    [
      [],
      { SANDBOX_APPS: 'wx_a:s1,app_b:s3cret' },
      "SANDBOX_APPS entry 2: appid 'app_b' must start with wx and be 3-64 characters of 0-9 A-Z a-z _ -",
    ],
    [[], { SANDBOX_APPS: 'wx_a:s1,,wx_b:s2' }, 'SANDBOX_APPS entry 2 is empty'],
    [[], { SANDBOX_APPS: 'wx_a' }, "SANDBOX_APPS entry 1 must be APPID:SECRET (no ':' found)"],
    [['--app', 'wx_a:one'], { SANDBOX_APPS: 'wx_a:two' }, 'appid wx_a is given twice'],
    [['--app', 'wx_sandbox_app:x'], {}, 'appid wx_sandbox_app is given twice'],
    [['--app-id', 'wx_main', '--app', 'wx_main:x'], {}, 'appid wx_main is given twice'],
  ])('%j with %j -> %s', (argv, env, message) => {
    expect(() => parseCliArgs(argv, env)).toThrow(new CliUsageError(message));
  });

  it('an error never repeats the secret', () => {
    expect(() => parseCliArgs(['--app', 'bad:s3cret-value'])).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('s3cret-value') }),
    );
  });
});

const running: StartedProcess[] = [];
afterEach(async () => {
  for (const cli of running.splice(0)) await cli.stop('SIGKILL');
});

function run(args: string[], env: Record<string, string> = {}): StartedProcess {
  const cli = startProcess(process.execPath, [BIN, ...args], { env });
  running.push(cli);
  return cli;
}

describe('facegate-sandbox (the bin, over real HTTP)', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)(
    'prints what it serves, answers WeChat calls, and stops cleanly on %s',
    async (signal) => {
      const cli = run(['--port', '0', '--extra-app', 'wx_second:second-secret']);
      const [, url] = await cli.waitForOutput(/base URL\s+(http:\/\/127\.0\.0\.1:\d+)/);
      await cli.waitForOutput(/Ctrl-C stops it/);
      const printed = cli.stdout();
      expect(printed).toContain('appid wx_sandbox_app  secret sandbox-secret');
      expect(printed).toContain('appid wx_second  secret second-secret');
      expect(printed).toContain('POST /cityservice/face/identify/queryverifyinfo');
      expect(printed).toMatch(/face_mismatch\s+人脸不符\s+310104198506150023/);

      const answer = await fetch(
        `${url}/cgi-bin/token?grant_type=client_credential&appid=wx_second&secret=second-secret`,
      );
      expect((await answer.json()) as object).toMatchObject({ expires_in: 7200 });

      expect(await cli.stop(signal)).toBe(0);
      expect(cli.stderr()).toBe('');
      await expect(fetch(`${url}/sandbox/health`)).rejects.toThrow();
    },
  );

  it('a bad flag gives one clear line and exit code 2, no stack trace', async () => {
    const cli = run(['--busy-rate', 'lots']);
    expect((await cli.exited).code).toBe(2);
    expect(cli.stderr()).toBe("facegate-sandbox: --busy-rate must be a number from 0 to 1, not 'lots'\n");
    expect(cli.stdout()).toBe('');
  });

  it('serves the apps of --app and SANDBOX_APPS: each gets tokens, GET /sandbox/info lists their appids', async () => {
    const cli = run(['--port', '0', '--app', 'wx_flag_app:flag-secret'], {
      SANDBOX_APPS: 'wx_env_app:env-secret',
    });
    const [, url] = await cli.waitForOutput(/base URL\s+(http:\/\/127\.0\.0\.1:\d+)/);
    await cli.waitForOutput(/Ctrl-C stops it/);
    const infoText = await (await fetch(`${url}/sandbox/info`)).text();
    expect((JSON.parse(infoText) as { apps: unknown }).apps).toEqual([
      { appId: 'wx_sandbox_app' },
      { appId: 'wx_env_app' },
      { appId: 'wx_flag_app' },
    ]);
    expect(infoText).not.toContain('flag-secret');
    expect(infoText).not.toContain('env-secret');
    for (const [appid, secret] of [
      ['wx_env_app', 'env-secret'],
      ['wx_flag_app', 'flag-secret'],
    ]) {
      const answer = await fetch(
        `${url}/cgi-bin/token?grant_type=client_credential&appid=${appid}&secret=${secret}`,
      );
      expect((await answer.json()) as object).toMatchObject({ expires_in: 7200 });
    }
    expect(await cli.stop('SIGTERM')).toBe(0);
  });

  it('a bad SANDBOX_APPS gives one clear line without the secret and exit code 2', async () => {
    const cli = run(['--port', '0'], { SANDBOX_APPS: 'not_wx:hidden-secret' });
    expect((await cli.exited).code).toBe(2);
    expect(cli.stderr()).toBe(
      "facegate-sandbox: SANDBOX_APPS entry 1: appid 'not_wx' must start with wx and be 3-64 characters of 0-9 A-Z a-z _ -\n",
    );
    expect(cli.stdout()).toBe('');
  });

  it('a port in use gives one clear line and exit code 1', async () => {
    const first = run(['--port', '0']);
    const [, port] = await first.waitForOutput(/base URL\s+http:\/\/127\.0\.0\.1:(\d+)/);
    const second = run(['--port', port!]);
    expect((await second.exited).code).toBe(1);
    expect(second.stderr()).toBe(`facegate-sandbox: 127.0.0.1:${port} is already in use\n`);
  });
});
