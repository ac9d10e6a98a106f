/**
 * The gateway in sandbox mode, in its own Node process (run with `node --import tsx`), driven over IPC by
 * live-gateway.ts. A separate process because the journey tests run under jsdom, whose globals (URL,
 * TextEncoder's Uint8Array realm) break Node's server stack when shared with it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Clock } from '@facegate/domain';
import { loadConfig, startGateway, TOKENS } from '@facegate/gateway';
import { startSandbox } from '@facegate/wechat-sandbox';

/** Real time plus an offset the test moves forward (to let sessions expire); gateway and sandbox share it. */
class ShiftingClock implements Clock {
  private offsetMs = 0;
  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }
  advance(ms: number): void {
    this.offsetMs += ms;
  }
}

export type GatewayCommand =
  | { id: number; type: 'advance'; ms: number }
  | { id: number; type: 'createServiceKey' }
  | { id: number; type: 'close' };

const send = (message: unknown) => process.send?.(message);

async function main(): Promise<void> {
  const clock = new ShiftingClock();
  // WeChat's clock moves with the gateway's, as in reality (a verifyResult carries its own times).
  const sandbox = await startSandbox({ port: 0, now: () => clock.now().getTime() });
  const dataDir = mkdtempSync(join(tmpdir(), 'facegate-mp-'));
  const config = loadConfig(
    {
      PORT: '0',
      HOST: '127.0.0.1',
      SANDBOX_PORT: '0',
      DATABASE_URL: 'memory:',
      DATA_DIR: dataDir,
      LOG_LEVEL: 'silent',
      FACEGATE_SECRET: 'miniprogram-journey-secret-0123456789abcdef',
      ...JSON.parse(process.env.FACEGATE_TEST_ENV ?? '{}'),
    },
    dataDir,
  );
  const running = await startGateway(config, { sandbox, clock });
  const keys = running.container.resolve(TOKENS.ApiKeys);

  process.on('message', async (command: GatewayCommand) => {
    try {
      if (command.type === 'advance') {
        clock.advance(command.ms);
        send({ id: command.id, ok: true });
      } else if (command.type === 'createServiceKey') {
        const created = await keys.create('business-backend', ['verifications:read', 'verifications:write']);
        if (!created.ok) throw new Error(created.error.message);
        send({ id: command.id, ok: true, value: created.value.key });
      } else if (command.type === 'close') {
        await running.close();
        await sandbox.close();
        rmSync(dataDir, { recursive: true, force: true });
        send({ id: command.id, ok: true });
        process.exit(0);
      }
    } catch (error) {
      send({ id: command.id, ok: false, error: (error as Error).message });
    }
  });
  // The test runner died: do not linger.
  process.on('disconnect', () => process.exit(0));
  send({ type: 'ready', graphqlUrl: running.graphqlUrl, sandboxUrl: sandbox.url });
}

main().catch((error: Error) => {
  send({ type: 'failed', error: error.message });
  process.exit(1);
});
