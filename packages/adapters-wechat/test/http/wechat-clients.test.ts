import { UpstreamUnavailableError } from '@facegate/domain';
import { describe, expect, it } from 'vitest';
import {
  type WeChatApiClient,
  type WeChatClients,
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
  const byApp = new Map([
    ['retail', recordingClient('retail', calls)],
    ['card', recordingClient('card', calls)],
  ]);
  // as the gateway's AppCatalog answers: the app's client, or unavailable
  const clients: WeChatClients = {
    forApp: (app) => {
      const client = byApp.get(app);
      if (client === undefined) throw new UpstreamUnavailableError('no WeChat credentials for this app');
      return client;
    },
  };

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

  it("the clients' refusal of an app without credentials reaches the caller as unavailable", async () => {
    const provider = new WeChatFaceVerificationProvider(clients);
    await expect(provider.fetchLegacyResult('VR', 'gone')).rejects.toBeInstanceOf(UpstreamUnavailableError);
    await expect(new WeChatLogin(clients).exchange('c', 'gone')).rejects.toBeInstanceOf(
      UpstreamUnavailableError,
    );
  });
});
