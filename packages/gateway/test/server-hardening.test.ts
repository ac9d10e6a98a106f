import 'reflect-metadata';
import { connect } from 'node:net';
import { type Sandbox, startSandbox } from '@facegate/wechat-sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOKENS } from '../src/composition/tokens';
import { loadConfig } from '../src/config/load-config';
import { type RunningGateway, startGateway } from '../src/http/server';
import { createLogger } from '../src/infrastructure/observability/logger';
import { TEST_SECRET } from './support/test-gateway';

const quiet = () => createLogger({ level: 'silent' });

/** Resolves when the server closes the socket (or answers), with what it sent. */
function slowClient(url: string, partial: string): Promise<{ closedAfterMs: number; received: string }> {
  const { hostname, port } = new URL(url);
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) });
    let received = '';
    socket.on('data', (d) => {
      received += d;
    });
    socket.once('connect', () => socket.write(partial));
    socket.once('close', () => resolve({ closedAfterMs: Date.now() - started, received }));
    socket.once('error', reject);
    // never finishes the request: the server must end it
  });
}

describe('sandbox mode: the in-process sandbox stays on loopback', () => {
  it('binds 127.0.0.1 even when HOST is 0.0.0.0 (SANDBOX_HOST is its own setting)', async () => {
    const config = loadConfig({
      HOST: '0.0.0.0',
      PORT: '0',
      SANDBOX_PORT: '0',
      DATABASE_URL: 'memory:',
      FACEGATE_SECRET: TEST_SECRET,
    });
    const running = await startGateway(config, { logger: quiet() });
    try {
      const sandbox = running.container.resolve(TOKENS.Sandbox);
      expect(new URL(sandbox.url).hostname).toBe('127.0.0.1');
      expect(running.server.address()).toMatchObject({ address: '0.0.0.0' });
    } finally {
      await running.close();
    }
  });
});

describe('production server: /metrics off the API port, slow clients cut off', () => {
  let sandbox: Sandbox;
  let running: RunningGateway;
  beforeAll(async () => {
    sandbox = await startSandbox({ port: 0 });
    const loaded = loadConfig({
      NODE_ENV: 'production',
      WECHAT_APP_ID: 'wx_production_test',
      WECHAT_APP_SECRET: 'production-test',
      FACEGATE_SECRET: TEST_SECRET,
      PORT: '0',
      METRICS_PORT: '0',
      DATABASE_URL: 'memory:',
      HTTP_HEADERS_TIMEOUT_MS: '1000',
      HTTP_REQUEST_TIMEOUT_MS: '2000',
    });
    // the production checks refuse a loopback WECHAT_API_BASE_URL; the test points the client at the sandbox
    const config = {
      ...loaded,
      wechat: { appId: sandbox.appId, appSecret: sandbox.appSecret, apiBaseUrl: sandbox.url },
    };
    running = await startGateway(config, { logger: quiet() });
  });
  afterAll(async () => {
    await running?.close();
    await sandbox?.close();
  });

  it('answers /metrics only on the loopback metrics port', async () => {
    expect((await fetch(`${running.url}/metrics`)).status).toBe(404);
    expect(running.metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(new URL(running.metricsUrl!).port).not.toBe(new URL(running.url).port);
    const scraped = await fetch(`${running.metricsUrl}/metrics`);
    expect(scraped.status).toBe(200);
    expect(await scraped.text()).toContain('facegate_');
    expect((await fetch(`${running.metricsUrl}/graphql`)).status).toBe(404);
  });

  it('closes a connection whose headers never finish within HTTP_HEADERS_TIMEOUT_MS', async () => {
    const { closedAfterMs, received } = await slowClient(
      running.url,
      'POST /graphql HTTP/1.1\r\nHost: gateway\r\nX-Slow: ',
    );
    // Node checks once a second; well under its own 60 s default
    expect(closedAfterMs).toBeLessThan(15_000);
    expect(received === '' || received.startsWith('HTTP/1.1 408')).toBe(true);
  });

  it('closes a connection whose body never finishes within HTTP_REQUEST_TIMEOUT_MS', async () => {
    const { closedAfterMs, received } = await slowClient(
      running.url,
      'POST /graphql HTTP/1.1\r\nHost: gateway\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"query":',
    );
    expect(closedAfterMs).toBeLessThan(20_000);
    expect(received === '' || received.startsWith('HTTP/1.1 408')).toBe(true);
  });

  it('takes its connection limit from HTTP_MAX_CONNECTIONS', () => {
    expect(running.server.maxConnections).toBe(2000);
    expect(running.server.headersTimeout).toBe(1000);
  });
});
