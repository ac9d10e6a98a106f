import { UpstreamUnavailableError } from '@facegate/domain';
import { describe, expect, it } from 'vitest';
import {
  type WeChatApiClient,
  WeChatClientsByApp,
  WeChatFaceVerificationProvider,
  WeChatLogin,
} from '../../src/http';

/** A client that records which app's client answered; only the calls used here. */
function recordingClient(app: string, calls: string[]) {
  return {
    code2Session: async (code: string) => {
      calls.push(`${app}:code2Session:${code}`);
      return { openid: `o_${app}` };
    },
    getLegacyVerifyInfo: async (verifyResult: string) => {
      calls.push(`${app}:getinfo:${verifyResult}`);
      return { ok: false as const, errcode: 84001 };
    },
    queryVerifyInfo: async (query: Record<string, unknown>) => {
      calls.push(`${app}:queryverifyinfo:${JSON.stringify(query)}`);
      return { ok: true as const, value: 10000 };
    },
  } as unknown as WeChatApiClient;
}

describe('each app calls WeChat with its own client', () => {
  const calls: string[] = [];
  const clients = new WeChatClientsByApp(
    new Map([
      ['retail', recordingClient('retail', calls)],
      ['card', recordingClient('card', calls)],
    ]),
  );

  it('login, getinfo and queryverifyinfo go to the named app; the app never reaches WeChat as a field', async () => {
    calls.length = 0;
    const provider = new WeChatFaceVerificationProvider(clients);
    await expect(new WeChatLogin(clients).exchange('c1', 'card')).resolves.toEqual({
      ok: true,
      openid: 'o_card',
    });
    await provider.fetchLegacyResult('VR', 'retail');
    await provider.fetchV2Result({ app: 'card', verifyId: 'v', outSeqNo: 's', certHash: 'h', openid: 'o' });
    expect(calls).toEqual([
      'card:code2Session:c1',
      'retail:getinfo:VR',
      'card:queryverifyinfo:{"verifyId":"v","outSeqNo":"s","certHash":"h","openid":"o"}',
    ]);
  });

  it('an app without credentials is unavailable (no call, no attempt used), not a crash', async () => {
    const provider = new WeChatFaceVerificationProvider(clients);
    await expect(provider.fetchLegacyResult('VR', 'gone')).rejects.toBeInstanceOf(UpstreamUnavailableError);
    await expect(new WeChatLogin(clients).exchange('c', 'gone')).rejects.toBeInstanceOf(
      UpstreamUnavailableError,
    );
  });
});
