import { readFileSync } from 'node:fs';
import { SANDBOX_TEST_IDENTITIES } from '@facegate/wechat-sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { certHash, WeChatApiClient, WeChatLoginError } from '../../src/http/index';
import { type Live, live, nextOutSeqNo } from './sandbox-harness';

interface Vector {
  name: string;
  idCardNumber: string;
  idCardNumberMd5: string;
  nameUtf8Md5: string;
}
const vectors = (
  JSON.parse(readFileSync(new URL('../fixtures/identity.json', import.meta.url), 'utf8')) as {
    valid: Vector[];
  }
).valid;
const person = vectors[0]!;
const faceMismatch = SANDBOX_TEST_IDENTITIES.find((i) => i.scenario === 'face_mismatch')!;

let env: Live;
beforeAll(async () => {
  env = await live();
});
afterAll(async () => {
  await env.close();
});

describe('login against the sandbox', () => {
  it('turns a device code into the openid, once', async () => {
    const code = env.sandbox.device.login('o_login_user');
    await expect(env.client.code2Session(code)).resolves.toMatchObject({ openid: 'o_login_user' });
    await expect(env.client.code2Session(code)).rejects.toMatchObject({ code: 'CODE_USED', errcode: 40163 });
  });

  it('rejects a code WeChat never issued as INVALID_CODE', async () => {
    const error = await env.client.code2Session('never-issued-code').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WeChatLoginError);
    expect(error).toMatchObject({ code: 'INVALID_CODE', errcode: 40029 });
  });
});

describe('legacy (1.0) against the sandbox', () => {
  it('getuseridkey -> device check with the key -> getinfo with the evidence bound to user and identity', async () => {
    const prepared = await env.provider.prepare({
      protocol: 'LEGACY',
      app: 'default',
      name: person.name,
      idCardNumber: person.idCardNumber,
    });
    expect(prepared).toMatchObject({ protocol: 'LEGACY', errcode: 0 });
    expect(prepared.userIdKey).toEqual(expect.any(String));

    const run = env.sandbox.device.runLegacyCheck({
      openid: 'o_legacy_user',
      checkAliveType: 2,
      userIdKey: prepared.userIdKey!,
    });
    expect(run.errCode).toBe(0);

    const info = await env.provider.fetchLegacyResult(run.verifyResult!, 'default');
    expect(info).toMatchObject({
      errcode: 0,
      identifyRet: 0,
      openid: 'o_legacy_user',
      userIdKey: prepared.userIdKey,
      idCardNumberMd5: person.idCardNumberMd5,
      nameUtf8Md5: person.nameUtf8Md5,
    });
    expect(info.identifyTime).toEqual(expect.any(Number));
    expect(info.finishTime).toEqual(expect.any(Number));
  });

  it('reports a failed comparison as identify_ret data', async () => {
    const run = env.sandbox.device.runLegacyCheck({
      openid: 'o_legacy_user',
      checkAliveType: 0,
      name: faceMismatch.name,
      idCardNumber: faceMismatch.idCardNumber,
    });
    expect(run.errCode).toBe(10004);
    const info = await env.provider.fetchLegacyResult(run.verifyResult!, 'default');
    expect(info).toMatchObject({ errcode: 0, identifyRet: 10004 });
    expect(info.validateData).toEqual(expect.any(String)); // read-digits mode leaves the digits
  });

  it('returns an unknown verifyResult as errcode data (84001)', async () => {
    await expect(env.provider.fetchLegacyResult('not-a-verify-result', 'default')).resolves.toMatchObject({
      errcode: 84001,
      identifyRet: null,
    });
  });
});

describe('v2 (2.0) against the sandbox', () => {
  it('getverifyid -> device check -> queryverifyinfo with out_seq_no + cert_hash + openid', async () => {
    const outSeqNo = nextOutSeqNo();
    const prepared = await env.provider.prepare({
      protocol: 'V2',
      app: 'default',
      openid: 'o_v2_user',
      outSeqNo,
      name: person.name,
      idCardNumber: person.idCardNumber,
    });
    expect(prepared).toMatchObject({ protocol: 'V2', errcode: 0, expiresInSeconds: 3600 });

    const run = env.sandbox.device.runV2Check({ openid: 'o_v2_user', verifyId: prepared.verifyId! });
    expect(run.errCode).toBe(0);

    const query = {
      app: 'default',
      verifyId: prepared.verifyId!,
      outSeqNo,
      certHash: certHash(person.name, person.idCardNumber),
      openid: 'o_v2_user',
    };
    await expect(env.provider.fetchV2Result(query)).resolves.toEqual({ errcode: 0, verifyRet: 10000 });
    // WeChat checks the binding: another identity's hash or another user is an errcode, never a pass.
    const wrongHash = await env.provider.fetchV2Result({
      ...query,
      certHash: certHash('李四', person.idCardNumber),
    });
    expect(wrongHash.errcode).not.toBe(0);
    expect(wrongHash.verifyRet).toBeNull();
    const wrongUser = await env.provider.fetchV2Result({
      ...query,
      openid: 'o_someone_else',
    });
    expect(wrongUser.errcode).not.toBe(0);
  });

  it('reports a failed check as verify_ret data', async () => {
    const outSeqNo = nextOutSeqNo();
    const prepared = await env.provider.prepare({
      protocol: 'V2',
      app: 'default',
      openid: 'o_v2_user',
      outSeqNo,
      name: faceMismatch.name,
      idCardNumber: faceMismatch.idCardNumber,
    });
    env.sandbox.device.runV2Check({ openid: 'o_v2_user', verifyId: prepared.verifyId! });
    await expect(
      env.provider.fetchV2Result({
        app: 'default',
        verifyId: prepared.verifyId!,
        outSeqNo,
        certHash: certHash(faceMismatch.name, faceMismatch.idCardNumber),
        openid: 'o_v2_user',
      }),
    ).resolves.toEqual({ errcode: 0, verifyRet: 10004 });
  });

  it('returns a reused out_seq_no as errcode data', async () => {
    const input = {
      app: 'default',
      protocol: 'V2',
      openid: 'o_v2_user',
      outSeqNo: nextOutSeqNo(),
      name: person.name,
      idCardNumber: person.idCardNumber,
    } as const;
    await expect(env.provider.prepare(input)).resolves.toMatchObject({ errcode: 0 });
    const again = await env.provider.prepare(input);
    expect(again.errcode).not.toBe(0);
    expect(again.verifyId).toBeNull();
  });
});

describe('cgi-bin/token on request', () => {
  it("fetches from /cgi-bin/token only with tokenEndpoint: 'token'", async () => {
    const client = new WeChatApiClient({
      appId: env.sandbox.appId,
      appSecret: env.sandbox.appSecret,
      baseUrl: env.sandbox.url,
      tokenEndpoint: 'token',
    });
    try {
      const before = env.sandbox.counters().calls;
      await expect(client.getUserIdKey(person.name, person.idCardNumber).then((a) => a.ok)).resolves.toBe(
        true,
      );
      const after = env.sandbox.counters().calls;
      expect((after['/cgi-bin/token'] ?? 0) - (before['/cgi-bin/token'] ?? 0)).toBe(1);
      expect(after['/cgi-bin/stable_token'] ?? 0).toBe(before['/cgi-bin/stable_token'] ?? 0);
    } finally {
      await client.close();
    }
  });
});
