import {
  clientErrorOutcome,
  evaluateLegacyResult,
  evaluateV2Result,
  type LegacyRuleContext,
  type LegacyVerifyInfo,
  withClientErrCode,
} from '@facegate/domain';
import { aLegacyBinding, aValidIdentity, TEST_OPENID, TEST_START } from '@facegate/domain/testing';
import { describe, expect, it } from 'vitest';

const identity = aValidIdentity();
const now = new Date(TEST_START.getTime() + 10 * 60_000);
const ctx: LegacyRuleContext = {
  binding: aLegacyBinding(),
  openid: TEST_OPENID,
  startedAt: TEST_START,
  now,
  clockSkewMs: 60_000,
};
const seconds = (d: Date) => Math.floor(d.getTime() / 1000);
const passing: LegacyVerifyInfo = {
  errcode: 0,
  identifyRet: 0,
  identifyTime: seconds(now) - 30,
  finishTime: seconds(now) - 20,
  validateData: '',
  openid: TEST_OPENID,
  userIdKey: 'k',
  idCardNumberMd5: identity.idCardNumberMd5,
  nameUtf8Md5: identity.nameUtf8Md5,
  checkAliveType: 4,
};
const failureOf = (info: Partial<LegacyVerifyInfo>, context = ctx) => {
  const o = evaluateLegacyResult({ ...passing, ...info }, context);
  return o.passed ? null : o.failure;
};

describe('legacy result rules', () => {
  it('pass an answer that meets every rule, observing the liveness', () => {
    expect(evaluateLegacyResult(passing, ctx)).toEqual({ passed: true, observedLiveness: 'SCREEN_FLASH' });
    expect(evaluateLegacyResult({ ...passing, validateData: '1234' }, ctx)).toEqual({
      passed: true,
      observedLiveness: 'READ_DIGITS',
    });
  });

  it('compare the MD5s case-insensitively', () => {
    expect(
      failureOf({
        idCardNumberMd5: identity.idCardNumberMd5.toUpperCase(),
        nameUtf8Md5: identity.nameUtf8Md5.toUpperCase(),
      }),
    ).toBeNull();
  });

  it.each([
    [{ errcode: 84002 }, 'EVIDENCE_EXPIRED', 'errcode', 84002],
    [{ identifyRet: 10004 }, 'FACE_MISMATCH', 'identify_ret', 10004],
    [{ identifyRet: 99999 }, 'UNKNOWN', 'identify_ret', 99999],
    [{ openid: 'o_other' }, 'OPENID_MISMATCH', 'openid', null],
    [
      { idCardNumberMd5: 'ae05564031c21338aa8a2e7266e7855d' },
      'IDENTITY_MISMATCH',
      'id_card_number_md5',
      null,
    ],
    [{ nameUtf8Md5: '00' }, 'IDENTITY_MISMATCH', 'name_utf8_md5', null],
    [{ identifyTime: seconds(TEST_START) - 61 }, 'STALE_EVIDENCE', 'identify_time', null],
    [{ identifyTime: seconds(now) + 61 }, 'FUTURE_EVIDENCE', 'identify_time', null],
    [{ finishTime: seconds(TEST_START) - 61 }, 'STALE_EVIDENCE', 'finish_time', null],
    [{ finishTime: seconds(now) + 61 }, 'FUTURE_EVIDENCE', 'finish_time', null],
    [{ identifyRet: null }, 'RESULT_INCOMPLETE', 'identify_ret', null],
    [{ openid: null }, 'RESULT_INCOMPLETE', 'openid', null],
    [{ openid: '' }, 'RESULT_INCOMPLETE', 'openid', null],
    [{ idCardNumberMd5: null }, 'RESULT_INCOMPLETE', 'id_card_number_md5', null],
    [{ nameUtf8Md5: '' }, 'RESULT_INCOMPLETE', 'name_utf8_md5', null],
    [{ identifyTime: null }, 'RESULT_INCOMPLETE', 'identify_time', null],
    [{ finishTime: null }, 'RESULT_INCOMPLETE', 'finish_time', null],
  ])('fail %j as %s on rule %s', (info, code, rule, upstreamCode) => {
    expect(failureOf(info)).toMatchObject({ code, rule, upstreamCode });
  });

  it('allow the clock skew on both sides, and no more', () => {
    expect(failureOf({ identifyTime: seconds(TEST_START) - 60, finishTime: seconds(now) + 60 })).toBeNull();
    expect(failureOf({ identifyTime: seconds(TEST_START) - 61 })?.code).toBe('STALE_EVIDENCE');
    expect(failureOf({ identifyTime: seconds(TEST_START) }, { ...ctx, clockSkewMs: 0 })).toBeNull();
  });
});

describe('v2 result rules', () => {
  it('pass only errcode 0 with verify_ret 10000', () => {
    expect(evaluateV2Result({ errcode: 0, verifyRet: 10000 })).toEqual({
      passed: true,
      observedLiveness: null,
    });
    expect(evaluateV2Result({ errcode: 0, verifyRet: 0 })).toMatchObject({
      passed: false,
      failure: { code: 'UNKNOWN' },
    });
    expect(evaluateV2Result({ errcode: 84001, verifyRet: 10000 })).toMatchObject({
      passed: false,
      failure: { code: 'EVIDENCE_INVALID', rule: 'errcode' },
    });
    expect(evaluateV2Result({ errcode: 0, verifyRet: null })).toMatchObject({
      failure: { code: 'RESULT_INCOMPLETE', rule: 'verify_ret' },
    });
  });
});

describe('client error codes', () => {
  it('fail an attempt with the mapped code', () => {
    expect(clientErrorOutcome(90100)).toEqual({
      passed: false,
      observedLiveness: null,
      failure: { code: 'USER_CANCELED', retryable: true, upstreamCode: 90100, rule: 'client_err_code' },
    });
  });

  it('turn a pass into a failure but never a failure into a pass or another failure', () => {
    const pass = evaluateLegacyResult({ ...passing, validateData: '12' }, ctx);
    expect(withClientErrCode(pass, 90100)).toMatchObject({ passed: false, observedLiveness: 'READ_DIGITS' });
    expect(withClientErrCode(pass, 0)).toBe(pass);
    expect(withClientErrCode(pass, null)).toBe(pass);
    const fail = evaluateLegacyResult({ ...passing, identifyRet: 10003 }, ctx);
    expect(withClientErrCode(fail, 90100)).toBe(fail);
  });
});
