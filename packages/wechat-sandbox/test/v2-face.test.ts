import { describe, expect, it } from 'vitest';
import vectors from './fixtures/identity.json';
import { type Harness, MINUTE, startHarness } from './support/harness';

const wang = vectors.valid[2]!;
const OTHER_APP = { appId: 'wx_other_app', appSecret: 'other-secret' };

const verifyIdRequest = (overrides: Record<string, unknown> = {}) => ({
  out_seq_no: 'fg_0001',
  cert_info: { cert_type: 'IDENTITY_CARD', cert_name: wang.name, cert_no: wang.idCardNumber },
  openid: 'o_wang',
  ...overrides,
});

async function getVerifyId(h: Harness, token: string, overrides: Record<string, unknown> = {}) {
  const answer = await h.face('getverifyid', token, verifyIdRequest(overrides));
  expect(answer.errcode).toBe(0);
  return answer.verify_id as string;
}

// The cert_hash comes from the shared vectors, not from the sandbox's own function.
const query = (verifyId: string, overrides: Record<string, unknown> = {}) => ({
  verify_id: verifyId,
  out_seq_no: 'fg_0001',
  cert_hash: wang.certHash,
  openid: 'o_wang',
  ...overrides,
});

describe('POST /cityservice/face/identify/getverifyid', () => {
  it('answers a verify_id (at most 256 characters) valid for 3600 s', async () => {
    const h = await startHarness();
    const answer = await h.face('getverifyid', await h.stableToken(), verifyIdRequest());
    expect(answer).toMatchObject({ errcode: 0, errmsg: 'ok', expires_in: 3600 });
    expect((answer.verify_id as string).length).toBeLessThanOrEqual(256);
  });

  it.each([
    ['out_seq_no too short', { out_seq_no: 'abcd' }, 40097],
    ['out_seq_no too long', { out_seq_no: 'a'.repeat(33) }, 40097],
    ['out_seq_no with a dot', { out_seq_no: 'fg.00001' }, 40097],
    ['no out_seq_no', { out_seq_no: undefined }, 40097],
    ['no cert_info', { cert_info: undefined }, 40097],
    ['cert_info not an object', { cert_info: 'IDENTITY_CARD' }, 47001],
    [
      'a passport',
      { cert_info: { cert_type: 'PASSPORT', cert_name: wang.name, cert_no: wang.idCardNumber } },
      40097,
    ],
    ['no cert_name', { cert_info: { cert_type: 'IDENTITY_CARD', cert_no: wang.idCardNumber } }, 40097],
    [
      'an invalid cert_no',
      { cert_info: { cert_type: 'IDENTITY_CARD', cert_name: wang.name, cert_no: '110105194912310021' } },
      40097,
    ],
    ['no openid', { openid: undefined }, 40097],
    ['an openid with spaces', { openid: 'o wang' }, 40003],
    ['a numeric out_seq_no', { out_seq_no: 12345 }, 47001],
  ])('%s -> %i', async (_why, overrides, errcode) => {
    const h = await startHarness();
    expect((await h.face('getverifyid', await h.stableToken(), verifyIdRequest(overrides))).errcode).toBe(
      errcode,
    );
  });

  it('accepts the boundary lengths 5 and 32 of [0-9A-Za-z_-]', async () => {
    const h = await startHarness();
    const token = await h.stableToken();
    expect((await h.face('getverifyid', token, verifyIdRequest({ out_seq_no: 'a_-Z9' }))).errcode).toBe(0);
    expect(
      (await h.face('getverifyid', token, verifyIdRequest({ out_seq_no: 'b'.repeat(32) }))).errcode,
    ).toBe(0);
  });

  it('out_seq_no is unique per appid', async () => {
    const h = await startHarness({ extraApps: [OTHER_APP] });
    const token = await h.stableToken();
    await getVerifyId(h, token);
    const again = await h.face('getverifyid', token, verifyIdRequest());
    expect(again.errcode).toBe(40097);
    expect(again.errmsg).toContain('out_seq_no already used');
    await getVerifyId(h, await h.stableToken(OTHER_APP.appId, OTHER_APP.appSecret));
  });
});

describe('POST /cityservice/face/identify/queryverifyinfo', () => {
  it('before the device ran the check: 84005 not finished; after a pass: verify_ret 10000', async () => {
    const h = await startHarness();
    const token = await h.stableToken();
    const verifyId = await getVerifyId(h, token);
    const early = await h.face('queryverifyinfo', token, query(verifyId));
    expect(early.errcode).toBe(84005);
    expect(early.verify_ret).toBeUndefined();
    expect(h.sandbox.device.runV2Check({ openid: 'o_wang', verifyId })).toEqual({
      errCode: 0,
      errMsg: 'requestFacialVerify:ok',
    });
    expect(await h.face('queryverifyinfo', token, query(verifyId))).toEqual({
      errcode: 0,
      errmsg: 'ok',
      verify_ret: 10000,
    });
  });

  it.each([
    ['out_seq_no', { out_seq_no: 'fg_0002' }],
    ['cert_hash', { cert_hash: vectors.valid[0]!.certHash }],
    ['cert_hash', { cert_hash: wang.certHash.toUpperCase() }],
    ['openid', { openid: 'o_someone_else' }],
  ])('answers an errcode, not a verify_ret, when %s does not match getverifyid', async (field, overrides) => {
    const h = await startHarness();
    const token = await h.stableToken();
    const verifyId = await getVerifyId(h, token);
    h.sandbox.device.runV2Check({ openid: 'o_wang', verifyId });
    const answer = await h.face('queryverifyinfo', token, query(verifyId, overrides));
    expect(answer.errcode).toBe(40097);
    expect(answer.errmsg).toContain(`${field} mismatch`);
    expect(answer.verify_ret).toBeUndefined();
  });

  it("84001 for another mini program's token or an invented verify_id", async () => {
    const h = await startHarness({ extraApps: [OTHER_APP] });
    const token = await h.stableToken();
    const verifyId = await getVerifyId(h, token);
    h.sandbox.device.runV2Check({ openid: 'o_wang', verifyId });
    const otherToken = await h.stableToken(OTHER_APP.appId, OTHER_APP.appSecret);
    expect((await h.face('queryverifyinfo', otherToken, query(verifyId))).errcode).toBe(84001);
    expect((await h.face('queryverifyinfo', token, query('made-up'))).errcode).toBe(84001);
  });

  it('a verify_id is valid 3600 s: then the device gets 10017 and the query 84002', async () => {
    const h = await startHarness();
    const token = await h.stableToken();
    const verifyId = await getVerifyId(h, token);
    h.clock.advance(60 * MINUTE);
    expect(h.sandbox.device.runV2Check({ openid: 'o_wang', verifyId }).errCode).toBe(10017);
    expect((await h.face('queryverifyinfo', token, query(verifyId))).errcode).toBe(84002);
  });

  it('missing fields: 40097; a field of the wrong type: 47001', async () => {
    const h = await startHarness();
    const token = await h.stableToken();
    const verifyId = await getVerifyId(h, token);
    expect((await h.face('queryverifyinfo', token, query(verifyId, { cert_hash: undefined }))).errcode).toBe(
      40097,
    );
    expect((await h.face('queryverifyinfo', token, query(verifyId, { openid: 7 }))).errcode).toBe(47001);
  });
});

describe('the device side of a v2 check', () => {
  it('only the user the verify_id was issued for can run it (10001), in the same mini program', async () => {
    const h = await startHarness({ extraApps: [OTHER_APP] });
    const token = await h.stableToken();
    const verifyId = await getVerifyId(h, token);
    expect(h.sandbox.device.runV2Check({ openid: 'o_other', verifyId }).errCode).toBe(10001);
    expect(h.sandbox.device.runV2Check({ openid: 'o_wang', verifyId, appId: OTHER_APP.appId }).errCode).toBe(
      10001,
    );
    expect((await h.face('queryverifyinfo', token, query(verifyId))).errcode).toBe(84005);
  });

  it('a re-run replaces the result: the query reports the latest run', async () => {
    const h = await startHarness();
    const token = await h.stableToken();
    const verifyId = await getVerifyId(h, token);
    h.sandbox.device.runV2Check({ openid: 'o_wang', verifyId, scenario: 'user_cancel' });
    expect((await h.face('queryverifyinfo', token, query(verifyId))).verify_ret).toBe(90004);
    h.sandbox.device.runV2Check({ openid: 'o_wang', verifyId });
    expect((await h.face('queryverifyinfo', token, query(verifyId))).verify_ret).toBe(10000);
  });
});
