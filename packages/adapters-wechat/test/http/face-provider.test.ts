import { UpstreamProtocolError } from '@facegate/domain';
import { afterEach, describe, expect, it } from 'vitest';
import { WeChatFaceVerificationProvider } from '../../src/http/index';
import {
  closeHarness,
  type Harness,
  harness,
  interceptApi,
  jsonBodyOf,
  LEGACY_INFO_OK,
  PATHS,
  replyToken,
} from './mock-wechat';

let h: Harness | undefined;
afterEach(async () => {
  await closeHarness(h);
  h = undefined;
});
function setup() {
  h = harness();
  replyToken(h.pool, 'T');
  return { h, provider: new WeChatFaceVerificationProvider(h.client) };
}

const NAME = '张三';
const ID = '11010519491231002X';

describe('legacy: getinfo', () => {
  it('posts raw JSON {"verify_result": ...} and camelCases the answer', async () => {
    const { h, provider } = setup();
    let rawBody = '';
    let contentType = '';
    interceptApi(h.pool, PATHS.getinfo, 'T').reply((req) => {
      rawBody = String(req.body);
      contentType = String((req.headers as Record<string, string>)['content-type']);
      return { statusCode: 200, data: LEGACY_INFO_OK };
    });

    const info = await provider.fetchLegacyResult('VERIFY_RESULT_1', 'default');
    expect(rawBody).toBe('{"verify_result":"VERIFY_RESULT_1"}');
    expect(contentType).toMatch(/^application\/json/);
    expect(info).toEqual({
      errcode: 0,
      identifyRet: 0,
      identifyTime: 1_700_000_000,
      finishTime: 1_700_000_010,
      validateData: '1234',
      openid: 'o_user_1',
      userIdKey: 'uik_1',
      idCardNumberMd5: 'ae05564031c21338aa8a2e7266e7855c',
      nameUtf8Md5: '615db57aa314529aaa0fbe95b3e95bd3',
      checkAliveType: 4,
    });
  });

  it('gives null for fields WeChat omitted or left empty', async () => {
    const { h, provider } = setup();
    interceptApi(h.pool, PATHS.getinfo, 'T').reply(200, {
      errcode: 0,
      identify_ret: 10004,
      validate_data: '',
    });
    await expect(provider.fetchLegacyResult('VR', 'default')).resolves.toEqual({
      errcode: 0,
      identifyRet: 10004,
      identifyTime: null,
      finishTime: null,
      validateData: null,
      openid: null,
      userIdKey: null,
      idCardNumberMd5: null,
      nameUtf8Md5: null,
      checkAliveType: null,
    });
  });

  it.each([84001, 84002, 84003, 45009])('returns errcode %i as data', async (errcode) => {
    const { h, provider } = setup();
    interceptApi(h.pool, PATHS.getinfo, 'T').reply(200, { errcode, errmsg: 'x' });
    await expect(provider.fetchLegacyResult('VR', 'default')).resolves.toMatchObject({
      errcode,
      identifyRet: null,
    });
  });

  it.each([
    ['identify_ret missing', { errcode: 0 }],
    ['identify_ret a string', { errcode: 0, identify_ret: '0' }],
    ['identify_time a string', { ...LEGACY_INFO_OK, identify_time: '1700000000' }],
    ['openid a number', { ...LEGACY_INFO_OK, openid: 1 }],
    ['errcode missing', { identify_ret: 0 }],
    ['errcode fractional', { errcode: 0.5, identify_ret: 0 }],
  ])('throws UpstreamProtocolError when %s', async (_what, body) => {
    const { h, provider } = setup();
    interceptApi(h.pool, PATHS.getinfo, 'T').reply(200, body);
    await expect(provider.fetchLegacyResult('VR', 'default')).rejects.toBeInstanceOf(UpstreamProtocolError);
  });
});

describe('legacy: getuseridkey', () => {
  it('posts name and id_card_number and returns the key', async () => {
    const { h, provider } = setup();
    let sent: Record<string, unknown> = {};
    interceptApi(h.pool, PATHS.getuseridkey, 'T').reply((req) => {
      sent = jsonBodyOf(req.body);
      return { statusCode: 200, data: { errcode: 0, errmsg: 'ok', user_id_key: 'UIK', expires_in: 3600 } };
    });
    await expect(
      provider.prepare({ protocol: 'LEGACY', app: 'default', name: NAME, idCardNumber: ID }),
    ).resolves.toEqual({
      protocol: 'LEGACY',
      errcode: 0,
      userIdKey: 'UIK',
      expiresInSeconds: 3600,
    });
    expect(sent).toEqual({ name: NAME, id_card_number: ID });
  });

  it('returns a refusal as data', async () => {
    const { h, provider } = setup();
    interceptApi(h.pool, PATHS.getuseridkey, 'T').reply(200, { errcode: 48001, errmsg: 'api unauthorized' });
    await expect(
      provider.prepare({ protocol: 'LEGACY', app: 'default', name: NAME, idCardNumber: ID }),
    ).resolves.toEqual({
      protocol: 'LEGACY',
      errcode: 48001,
      userIdKey: null,
      expiresInSeconds: 0,
    });
  });

  it('throws UpstreamProtocolError when expires_in is not a number', async () => {
    const { h, provider } = setup();
    interceptApi(h.pool, PATHS.getuseridkey, 'T').reply(200, {
      errcode: 0,
      user_id_key: 'U',
      expires_in: '3600',
    });
    await expect(
      provider.prepare({ protocol: 'LEGACY', app: 'default', name: NAME, idCardNumber: ID }),
    ).rejects.toBeInstanceOf(UpstreamProtocolError);
  });
});

describe('v2: getverifyid', () => {
  const input = {
    app: 'default',
    protocol: 'V2',
    openid: 'o_user',
    outSeqNo: 'fg_0123456789',
    name: NAME,
    idCardNumber: ID,
  } as const;

  it('posts out_seq_no, cert_info and openid and returns the verify id', async () => {
    const { h, provider } = setup();
    let sent: Record<string, unknown> = {};
    interceptApi(h.pool, PATHS.getverifyid, 'T').reply((req) => {
      sent = jsonBodyOf(req.body);
      return { statusCode: 200, data: { errcode: 0, errmsg: 'ok', verify_id: 'VID', expires_in: 3600 } };
    });
    await expect(provider.prepare(input)).resolves.toEqual({
      protocol: 'V2',
      errcode: 0,
      verifyId: 'VID',
      expiresInSeconds: 3600,
    });
    expect(sent).toEqual({
      out_seq_no: 'fg_0123456789',
      cert_info: { cert_type: 'IDENTITY_CARD', cert_name: NAME, cert_no: ID },
      openid: 'o_user',
    });
  });

  it('repeats after a reset with the very same out_seq_no', async () => {
    const { h, provider } = setup();
    const bodies: string[] = [];
    interceptApi(h.pool, PATHS.getverifyid, 'T').reply((req) => {
      bodies.push(String(req.body));
      return { statusCode: 502, data: '' };
    });
    interceptApi(h.pool, PATHS.getverifyid, 'T').reply((req) => {
      bodies.push(String(req.body));
      return { statusCode: 200, data: { errcode: 0, verify_id: 'VID', expires_in: 3600 } };
    });
    await expect(provider.prepare(input)).resolves.toMatchObject({ verifyId: 'VID' });
    expect(bodies).toHaveLength(2);
    expect(bodies[1]).toBe(bodies[0]);
  });

  it('returns a refusal as data', async () => {
    const { h, provider } = setup();
    interceptApi(h.pool, PATHS.getverifyid, 'T').reply(200, { errcode: 47001, errmsg: 'data format error' });
    await expect(provider.prepare(input)).resolves.toEqual({
      protocol: 'V2',
      errcode: 47001,
      verifyId: null,
      expiresInSeconds: 0,
    });
  });

  it('throws UpstreamProtocolError when verify_id is missing', async () => {
    const { h, provider } = setup();
    interceptApi(h.pool, PATHS.getverifyid, 'T').reply(200, { errcode: 0, expires_in: 3600 });
    await expect(provider.prepare(input)).rejects.toBeInstanceOf(UpstreamProtocolError);
  });

  it.each(['abc', 'x'.repeat(33), 'has space!'])(
    'refuses out_seq_no %j before calling WeChat',
    async (outSeqNo) => {
      const { h, provider } = setup();
      await expect(provider.prepare({ ...input, outSeqNo })).rejects.toBeInstanceOf(RangeError);
      expect(h.calls).toEqual([]);
      // not even an access token was fetched: the one setup() offered is still unused
      expect(h.agent.pendingInterceptors()).toHaveLength(1);
      await h.client.accessToken();
    },
  );
});

describe('v2: queryverifyinfo', () => {
  const query = {
    app: 'default',
    verifyId: 'VID',
    outSeqNo: 'fg_0123456789',
    certHash: 'CH',
    openid: 'o_user',
  };

  it('posts verify_id, out_seq_no, cert_hash and openid and returns verify_ret', async () => {
    const { h, provider } = setup();
    let sent: Record<string, unknown> = {};
    interceptApi(h.pool, PATHS.queryverifyinfo, 'T').reply((req) => {
      sent = jsonBodyOf(req.body);
      return { statusCode: 200, data: { errcode: 0, errmsg: 'ok', verify_ret: 10000 } };
    });
    await expect(provider.fetchV2Result(query)).resolves.toEqual({ errcode: 0, verifyRet: 10000 });
    expect(sent).toEqual({
      verify_id: 'VID',
      out_seq_no: 'fg_0123456789',
      cert_hash: 'CH',
      openid: 'o_user',
    });
  });

  it('returns a failed verdict and an errcode as data', async () => {
    const { h, provider } = setup();
    interceptApi(h.pool, PATHS.queryverifyinfo, 'T').reply(200, { errcode: 0, verify_ret: 10004 });
    interceptApi(h.pool, PATHS.queryverifyinfo, 'T').reply(200, { errcode: 84001, errmsg: 'mismatch' });
    await expect(provider.fetchV2Result(query)).resolves.toEqual({ errcode: 0, verifyRet: 10004 });
    await expect(provider.fetchV2Result(query)).resolves.toEqual({ errcode: 84001, verifyRet: null });
  });

  it('throws UpstreamProtocolError when verify_ret is missing', async () => {
    const { h, provider } = setup();
    interceptApi(h.pool, PATHS.queryverifyinfo, 'T').reply(200, { errcode: 0 });
    await expect(provider.fetchV2Result(query)).rejects.toBeInstanceOf(UpstreamProtocolError);
  });
});
