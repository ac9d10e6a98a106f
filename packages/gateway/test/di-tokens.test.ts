import 'reflect-metadata';
import { container } from 'tsyringe';
import { describe, expect, it } from 'vitest';
import { buildContainer, disposeContainer } from '../src/composition/container';
import { provide, resolve, TOKENS } from '../src/composition/tokens';
import type { GatewayConfig } from '../src/config/load-config';
import { loadConfig } from '../src/config/load-config';
import { createLogger } from '../src/infrastructure/observability/logger';
import { startTestGateway, TEST_SECRET } from './support/test-gateway';

describe('typed DI tokens', () => {
  it('resolve() answers the type the token was declared with; another type does not compile', async () => {
    const config = loadConfig({ DATABASE_URL: 'memory:', FACEGATE_SECRET: TEST_SECRET, SANDBOX_PORT: '0' });
    const c = await buildContainer(config, { logger: createLogger({ level: 'silent' }), databaseOnly: true });
    try {
      const resolved: GatewayConfig = resolve(c, TOKENS.Config);
      expect(resolved).toBe(config);
      // @ts-expect-error a Logger token does not resolve to a GatewayConfig (tsc -b checks this line)
      const wrong: GatewayConfig = resolve(c, TOKENS.Logger);
      expect(wrong).not.toBe(config);
      // @ts-expect-error nor does the container itself answer an unchecked type argument
      c.resolve<GatewayConfig>(TOKENS.Logger);
      // @ts-expect-error nor can a GatewayConfig be registered under the Clock token
      provide(container.createChildContainer(), TOKENS.Clock, config);
    } finally {
      await disposeContainer(c);
    }
  });

  it('the gateway built on them serves requests', async () => {
    const t = await startTestGateway({ database: 'pglite' });
    try {
      expect((await t.gateway.fetch('http://gateway/healthz')).status).toBe(200);
    } finally {
      await t.close();
    }
  });
});

describe('what a container opens', () => {
  const config = () =>
    loadConfig({ DATABASE_URL: 'memory:', FACEGATE_SECRET: TEST_SECRET, SANDBOX_PORT: '0' });

  it('a database-only container (CLI commands) opens the database and nothing else: no outbox poller', async () => {
    const c = await buildContainer(config(), {
      logger: createLogger({ level: 'silent' }),
      databaseOnly: true,
    });
    try {
      expect(resolve(c, TOKENS.Lifecycle).resources).toEqual(['database']);
    } finally {
      await disposeContainer(c);
    }
  });

  it("a serving container also opens the console's database, the sandbox, WeChat and the outbox poller", async () => {
    const c = await buildContainer(config(), { logger: createLogger({ level: 'silent' }) });
    try {
      expect(resolve(c, TOKENS.Lifecycle).resources).toEqual([
        'database',
        'console database',
        'sandbox',
        'wechat client',
        'event subscription',
      ]);
    } finally {
      await disposeContainer(c);
    }
  });
});
