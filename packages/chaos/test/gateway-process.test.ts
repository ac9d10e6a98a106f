import { describe, expect, it } from 'vitest';
import { GatewayProcess } from '../src/index';

describe('GatewayProcess', () => {
  it('rejects with the gateway’s own one-line reason when it cannot start, and leaves no process', async () => {
    const gateway = new GatewayProcess({
      name: 'bad',
      env: {
        WECHAT_APP_ID: 'wx_sandbox_app',
        WECHAT_APP_SECRET: 'sandbox-secret',
        WECHAT_API_BASE_URL: 'http://127.0.0.1:9',
        FACEGATE_SECRET: 'too-short',
        DATABASE_URL: 'memory:',
      },
    });
    await expect(gateway.start()).rejects.toThrow(/exited during start-up \(code 2[\s\S]*FACEGATE_SECRET/);
    expect(gateway.running).toBe(false);
    expect(gateway.pid).not.toBeNull();
    expect(() => process.kill(gateway.pid!, 0)).toThrow();
  }, 60_000);
});
