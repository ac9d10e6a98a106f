import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { type ServingGateway, startServing } from './support/facegate-process';

/*
 * With LOG_ASYNC=true the gateway's log lines are buffered and written asynchronously. pino flushes the buffer
 * when the process exits: what was logged before a stop or a crash is on stdout, even when the process goes
 * down right after the request (well within the buffer's periodic flush).
 */
const CRASH_ON_SIGUSR2 = fileURLToPath(new URL('./fixtures/crash-on-sigusr2.mjs', import.meta.url));

let serving: ServingGateway | undefined;
afterEach(async () => {
  if (serving && serving.process.exitCode === null && serving.process.signalCode === null) {
    serving.process.kill('SIGKILL');
  }
  serving = undefined;
});

async function requestThen(gateway: ServingGateway, requestId: string, after: () => void): Promise<void> {
  const response = await fetch(gateway.graphqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-request-id': requestId },
    body: JSON.stringify({ query: '{ __typename }' }),
  });
  // the request's line is logged before the response is sent: it is in the buffer now
  after();
  expect(response.status).toBe(200);
  await response.text();
}

/** The request's line, parsed, from everything the process printed. */
function lineOf(output: string, requestId: string): Record<string, unknown> | undefined {
  for (const line of output.split('\n')) {
    if (!line.includes(requestId)) continue;
    const parsed = JSON.parse(line) as Record<string, unknown>;
    if (parsed.msg === 'request completed') return parsed;
  }
  return undefined;
}

describe('buffered log lines', () => {
  it('are written when the process is stopped right after a request', async () => {
    serving = await startServing({ env: { DATABASE_URL: 'memory:', LOG_LEVEL: 'info', LOG_ASYNC: 'true' } });
    const gateway = serving;
    const requestId = `stop-${Date.now()}`;
    const exited = once(gateway.process, 'close');
    await requestThen(gateway, requestId, () => gateway.process.kill('SIGTERM'));
    await exited;
    expect(lineOf(gateway.output(), requestId)).toMatchObject({ path: '/graphql', status: 200 });
  }, 120_000);

  it('are written when the process dies of an uncaught error right after a request', async () => {
    serving = await startServing({
      env: {
        DATABASE_URL: 'memory:',
        LOG_LEVEL: 'info',
        LOG_ASYNC: 'true',
        NODE_OPTIONS: `--import=${CRASH_ON_SIGUSR2}`,
      },
    });
    const gateway = serving;
    const requestId = `crash-${Date.now()}`;
    const exited = once(gateway.process, 'close');
    await requestThen(gateway, requestId, () => gateway.process.kill('SIGUSR2'));
    const [code] = await exited;
    expect(code).not.toBe(0);
    expect(gateway.output()).toContain('simulated fatal error');
    expect(lineOf(gateway.output(), requestId)).toMatchObject({ path: '/graphql', status: 200 });
  }, 120_000);
});
