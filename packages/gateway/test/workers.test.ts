import { readdirSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { createTestPostgresDatabase, type TestPostgresDatabase } from '@facegate/adapters-postgres/testing';
import { runProcess, type StartedProcess, startProcess, waitFor } from '@facegate/test-support';
import { type Sandbox, startSandbox } from '@facegate/wechat-sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { confirm, GETINFO, PEOPLE, runDevice, start } from './support/flows';
import { type Json, TEST_SECRET, type TestGateway } from './support/test-gateway';

/*
 * `facegate serve --workers 2` on PostgreSQL, as a user runs it (the built CLI in its own process, node:cluster
 * underneath), against the sandbox over real sockets.
 */
const BIN = fileURLToPath(new URL('../bin/facegate.mjs', import.meta.url));
const CWD = fileURLToPath(new URL('..', import.meta.url));

/** The live child processes of a process (from /proc). */
function childrenOf(pid: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[1]) === pid && fields[0] !== 'Z') children.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return children;
}

/** A request on a connection of its own (no keep-alive agent), so the cluster picks a worker for each. */
function onNewConnection(
  target: string,
  method: 'GET' | 'POST',
  body?: string,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      target,
      {
        method,
        agent: false,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
const getOnNewConnection = (target: string) => onNewConnection(target, 'GET');
const postOnNewConnection = (target: string, body: string) => onNewConnection(target, 'POST', body);

/** The sum of every sample of `name` (all label sets) in a Prometheus text exposition. */
function sampleSum(exposition: string, name: string): number {
  let sum = 0;
  let seen = false;
  for (const line of exposition.split('\n')) {
    const match = line.match(/^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{[^}]*\})? (\S+)$/);
    if (match?.[1] !== name) continue;
    seen = true;
    sum += Number(match[2]);
  }
  if (!seen) throw new Error(`no ${name} in the exposition`);
  return sum;
}

describe('facegate serve --workers', () => {
  it('refuses more than one worker on the embedded database or with a bad value, in one line (exit 2)', async () => {
    for (const [extra, args, expected] of [
      [
        {},
        ['serve', '--workers', '2'],
        /^facegate: configuration error: FACEGATE_WORKERS: 2 workers need PostgreSQL/,
      ],
      [
        { FACEGATE_WORKERS: 'many' },
        ['serve'],
        /^facegate: configuration error: FACEGATE_WORKERS: must be auto or/,
      ],
      // sandbox mode (no WeChat credentials): its simulated WeChat lives in one process
      [
        { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/none' },
        ['serve', '--workers', '2'],
        /^facegate: configuration error: FACEGATE_WORKERS: \d+ workers need WECHAT_APP_ID/,
      ],
    ] as const) {
      const { code, stderr } = await runProcess(process.execPath, [BIN, ...args], {
        cwd: CWD,
        env: { LOG_LEVEL: 'warn', DATABASE_URL: 'memory:', PORT: '0', HOST: '127.0.0.1', ...extra },
      });
      expect(code).toBe(2);
      expect(stderr.trim().split('\n')).toHaveLength(1);
      expect(stderr).toMatch(expected);
    }
  }, 60_000);

  describe('on PostgreSQL with 2 workers', () => {
    let sandbox: Sandbox;
    let pg: TestPostgresDatabase;
    let primary: StartedProcess;
    let url: string;
    let metricsUrl: string;
    /** Enough of a TestGateway for the flow helpers, over HTTP to the cluster. */
    let t: TestGateway;

    beforeAll(async () => {
      sandbox = await startSandbox({ port: 0, host: '127.0.0.1' });
      pg = await createTestPostgresDatabase();
      primary = startProcess(process.execPath, [BIN, 'serve', '--workers', '2'], {
        cwd: CWD,
        env: {
          LOG_LEVEL: 'warn',
          PORT: '0',
          HOST: '127.0.0.1',
          // metrics on a listener of their own, as in production: each worker listens twice
          METRICS_PORT: '0',
          DATABASE_URL: pg.url,
          FACEGATE_SECRET: TEST_SECRET,
          WECHAT_APP_ID: sandbox.appId,
          WECHAT_APP_SECRET: sandbox.appSecret,
          WECHAT_API_BASE_URL: sandbox.url,
        },
      });
      const banner = await primary.waitForOutput(
        /listening on (http:\S+) \(2 workers[\s\S]*metrics: (http:\S+)\/metrics \(all workers added up\)/,
      );
      url = banner[1]!;
      metricsUrl = banner[2]!;
      const gql = async (query: string, variables?: unknown, credential?: string) => {
        const response = await fetch(`${url}/graphql`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            ...(credential ? { authorization: `Bearer ${credential}` } : {}),
          },
          body: JSON.stringify({ query, variables }),
        });
        return { status: response.status, body: (await response.json()) as Json };
      };
      t = {
        sandbox,
        gql,
        async signIn(openid: string) {
          const answer = await gql('mutation($code: String!) { signIn(code: $code) { token } }', {
            code: sandbox.device.login(openid),
          });
          return answer.body.data.signIn.token as string;
        },
      } as unknown as TestGateway;
    }, 120_000);

    afterAll(async () => {
      await primary?.stop();
      await sandbox?.close();
      await pg?.drop();
    }, 60_000);

    /** Sessions started and checked on the device: confirm inputs ready to send. */
    async function prepare(prefix: string, count: number) {
      return Promise.all(
        Array.from({ length: count }, async (_, i) => {
          const openid = `o_${prefix}_${i}`;
          const token = await t.signIn(openid);
          const started = await start(t, token, { ...PEOPLE.li, protocol: 'LEGACY' });
          return { token, input: runDevice(t, openid, started.session!) };
        }),
      );
    }

    it('announces the gateway address, and metrics on their own listener', async () => {
      expect(metricsUrl).not.toBe(url);
      expect(await (await fetch(`${metricsUrl}/metrics`)).text()).toMatch(/^facegate_/m);
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
    });

    it('answers every scrape with the sum over both workers: N operations are N, whichever worker answers', async () => {
      const N = 24;
      // a connection of its own each (no keep-alive): the primary hands connections to the workers in turn
      for (let i = 0; i < N; i++) {
        const answer = await postOnNewConnection(
          `${url}/graphql`,
          JSON.stringify({ query: '{ __typename }' }),
        );
        expect(answer.status).toBe(200);
      }
      // several scrapes, on new connections too, so both workers answer some of them
      for (const base of [metricsUrl, metricsUrl, metricsUrl, metricsUrl]) {
        const scrape = await getOnNewConnection(`${base}/metrics`);
        expect(scrape.status).toBe(200);
        expect(sampleSum(scrape.body, 'facegate_graphql_operations_total')).toBe(N);
        // gauges are not summed: the database's health is the lowest answer, the outbox lag the highest
        expect(sampleSum(scrape.body, 'facegate_database_up')).toBe(1);
        expect(sampleSum(scrape.body, 'facegate_outbox_lag_seconds')).toBe(0);
      }
    }, 60_000);

    it('runs two worker processes on one port, one upstream call per evidence', async () => {
      expect(childrenOf(primary.pid)).toHaveLength(2);
      const ready = await prepare('once', 20);
      sandbox.resetCounters();
      const answers = await Promise.all(ready.map((r) => confirm(t, r.token, r.input)));
      expect(answers.map((a) => a.session?.status)).toEqual(Array(20).fill('VERIFIED'));
      // a resend of every evidence: answered from the record, never a second upstream call
      const again = await Promise.all(ready.map((r) => confirm(t, r.token, r.input)));
      expect(again.every((a) => a.session?.status === 'VERIFIED')).toBe(true);
      expect(sandbox.counters().calls[GETINFO]).toBe(20);
    }, 120_000);

    it('loses no confirmation when a worker is SIGKILLed, and the primary starts another', async () => {
      const ready = await prepare('kill', 20);
      const [victim, survivor] = childrenOf(primary.pid);
      const sent = ready.map((r) => confirm(t, r.token, r.input).catch(() => null));
      process.kill(victim!, 'SIGKILL');
      await Promise.all(sent);
      // whatever was cut off is sent again until it is recorded (a claim of the killed worker lapses)
      for (const r of ready) {
        await waitFor(
          'the confirmation to be recorded',
          async () => (await confirm(t, r.token, r.input).catch(() => null))?.session?.status === 'VERIFIED',
          { timeoutMs: 90_000, intervalMs: 100 },
        );
      }
      const replaced = await waitFor(
        'a replacement worker',
        () => {
          const now = childrenOf(primary.pid);
          return now.length === 2 && !now.includes(victim!) && now;
        },
        { timeoutMs: 60_000, intervalMs: 100 },
      );
      expect(replaced).toContain(survivor);
      await primary.waitForOutput(new RegExp(`worker ${victim} exited \\(SIGKILL\\); starting another`));
    }, 240_000);
  });
});
