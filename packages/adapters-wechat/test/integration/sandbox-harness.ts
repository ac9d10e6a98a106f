import { type Sandbox, type SandboxOptions, startSandbox } from '@facegate/wechat-sandbox';
import {
  WeChatApiClient,
  type WeChatClientOptions,
  WeChatFaceVerificationProvider,
} from '../../src/http/index';

export interface Live {
  sandbox: Sandbox;
  client: WeChatApiClient;
  provider: WeChatFaceVerificationProvider;
  logs: { obj: object; msg: string }[];
  close(): Promise<void>;
}

/** A sandbox on a random port and a client over real HTTP (the default undici Agent, no mocks). */
export async function live(
  sandboxOptions: SandboxOptions = {},
  clientOptions: Partial<WeChatClientOptions> = {},
): Promise<Live> {
  const sandbox = await startSandbox({ port: 0, ...sandboxOptions });
  const logs: Live['logs'] = [];
  const client = new WeChatApiClient({
    appId: sandbox.appId,
    appSecret: sandbox.appSecret,
    baseUrl: sandbox.url,
    logger: { warn: (obj, msg) => logs.push({ obj, msg }), info: (obj, msg) => logs.push({ obj, msg }) },
    ...clientOptions,
  });
  return {
    sandbox,
    client,
    provider: new WeChatFaceVerificationProvider(client),
    logs,
    close: async () => {
      await client.close();
      await sandbox.close();
    },
  };
}

export const stableTokenCalls = (sandbox: Sandbox): number =>
  sandbox.counters().calls['/cgi-bin/stable_token'] ?? 0;

let seq = 0;
/** A fresh out_seq_no (unique per appid), 5-32 chars of [0-9A-Za-z_-]. */
export const nextOutSeqNo = (): string => `it_${process.pid}_${Date.now().toString(36)}_${++seq}`;
