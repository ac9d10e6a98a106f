import {
  describeFailure,
  FACE_CHECK_CODES,
  FAILURE_CODES,
  failureFromClientErrCode,
  failureFromIdentifyRet,
  failureFromSupportCheckErrCode,
  failureFromUpstreamErrcode,
  failureFromVerifyRet,
  isTransientUpstreamErrcode,
  LEGACY_CLIENT_CODES,
  UPSTREAM_ERRCODES,
  V2_CLIENT_CODES,
} from '@facegate/domain';
import { describe, expect, it } from 'vitest';

/** Every code wechat-face-api.md lists, by where it appears. */
const FACE_CHECK = [
  10001, 10002, 10003, 10004, 10005, 10006, 10007, 10008, 10009, 10010, 10015, 10016, 10017, 10018, 10020,
  10022, 10026, 10027, 10028, 10031, 10040, 10041, 10042, 10045, 10052, 10057, 10066, 10069,
];
const LEGACY_CLIENT = [90100, 90101, 90102, 90103, 90104, 90105, 90106, 90107, 90108, 90109, 90199];
const V2_RET = [
  90001, 90002, 90003, 90004, 90005, 90006, 90007, 90008, 90009, 90010, 90011, 90012, 90013, 90014, 90017,
  90018, 90104, 90105, 90106, 90107, 90109, 90110, 90199,
];
const ERRCODES = [
  -1, 84001, 84002, 84003, 40001, 40013, 40014, 40125, 40164, 41001, 42001, 43002, 44002, 45009, 45011, 47001,
  48001,
];

describe('the failure taxonomy', () => {
  it('maps every documented code to a known FailureCode, none to UNKNOWN', () => {
    for (const n of FACE_CHECK) {
      for (const f of [failureFromIdentifyRet(n), failureFromVerifyRet(n), failureFromClientErrCode(n)]) {
        expect(f.code, String(n)).not.toBe('UNKNOWN');
        expect(f.upstreamCode).toBe(n);
      }
    }
    for (const n of LEGACY_CLIENT) {
      expect(failureFromIdentifyRet(n).code, String(n)).not.toBe('UNKNOWN');
      expect(failureFromClientErrCode(n).code, String(n)).not.toBe('UNKNOWN');
    }
    for (const n of V2_RET) {
      expect(failureFromVerifyRet(n).code, String(n)).not.toBe('UNKNOWN');
      expect(failureFromClientErrCode(n).code, String(n)).not.toBe('UNKNOWN');
    }
    for (const n of ERRCODES) expect(failureFromUpstreamErrcode(n).code, String(n)).not.toBe('UNKNOWN');
    expect([...FACE_CHECK_CODES.keys()].sort()).toEqual([...FACE_CHECK].sort());
    expect([...LEGACY_CLIENT_CODES.keys()].sort()).toEqual([...LEGACY_CLIENT].sort());
    expect([...V2_CLIENT_CODES.keys()].sort()).toEqual([...V2_RET].sort());
    expect([...UPSTREAM_ERRCODES.keys()].sort()).toEqual([...ERRCODES].sort());
  });

  it('agrees between the two client tables where their codes overlap', () => {
    for (const n of LEGACY_CLIENT.filter((c) => V2_RET.includes(c))) {
      expect(LEGACY_CLIENT_CODES.get(n), String(n)).toBe(V2_CLIENT_CODES.get(n));
    }
  });

  it.each([
    [10004, 'FACE_MISMATCH', true],
    [10003, 'ID_NUMBER_MISMATCH', false],
    [10009, 'NO_ID_PHOTO', false],
    [90100, 'USER_CANCELED', true],
    [90109, 'DEVICE_UNSUPPORTED', false],
    [10002, 'FACE_NOT_DETECTED', true],
    [10027, 'SPEECH_RECOGNITION_FAILED', true],
    [10052, 'OVER_LIMIT', false],
    [10057, 'OVER_LIMIT', false],
  ])('identify_ret %i is %s (retryable %s)', (n, code, retryable) => {
    expect(failureFromIdentifyRet(n)).toEqual({ code, retryable, upstreamCode: n });
  });

  it.each([
    [90001, 'DEVICE_UNSUPPORTED', false],
    [90002, 'USER_CANCELED', true],
    [90006, 'USER_CANCELED', true],
    [90007, 'NETWORK_ERROR', true],
    [90010, 'PERMISSION_DENIED', true],
    [90013, 'INVALID_CAPTURE', true],
    [90110, 'AGREEMENT_FAILED', true],
    [10004, 'FACE_MISMATCH', true],
  ])('verify_ret %i is %s (retryable %s)', (n, code, retryable) => {
    expect(failureFromVerifyRet(n)).toEqual({ code, retryable, upstreamCode: n });
  });

  it.each([
    [-1, 'UPSTREAM_BUSY'],
    [84001, 'EVIDENCE_INVALID'],
    [84002, 'EVIDENCE_EXPIRED'],
    [84003, 'EVIDENCE_NOT_FOUND'],
    [40001, 'ACCESS_TOKEN_INVALID'],
    [40164, 'UPSTREAM_MISCONFIGURED'],
    [48001, 'APP_NOT_AUTHORIZED'],
    [45011, 'TOO_FREQUENT'],
  ])('errcode %i is %s', (n, code) => {
    expect(failureFromUpstreamErrcode(n).code).toBe(code);
  });

  it('maps an unknown code to UNKNOWN and keeps the raw code', () => {
    for (const f of [
      failureFromIdentifyRet(12345),
      failureFromVerifyRet(90001 + 9999),
      failureFromClientErrCode(-7),
      failureFromUpstreamErrcode(99999),
    ]) {
      expect(f.code).toBe('UNKNOWN');
    }
    expect(failureFromUpstreamErrcode(99999)).toEqual({
      code: 'UNKNOWN',
      retryable: true,
      upstreamCode: 99999,
    });
    // v2 client codes are not identify_ret codes, and the other way round.
    expect(failureFromIdentifyRet(90001).code).toBe('UNKNOWN');
    expect(failureFromVerifyRet(90100).code).toBe('UNKNOWN');
  });

  it('has a retryable flag and zh-CN and English messages for every FailureCode', () => {
    for (const code of FAILURE_CODES) {
      const d = describeFailure(code);
      expect(typeof d.retryable).toBe('boolean');
      expect(d.zh, code).toMatch(/[\u4e00-\u9fff]/);
      expect(d.en, code).toMatch(/^[\x20-\x7e]+$/);
    }
  });

  // What the user reads, written out here rather than read back from the table: one message (at least) per
  // family of codes, reached the way an answer reaches it.
  it.each([
    ['a face check (identify_ret 10004)', '人脸与身份证照片不一致，请重试', failureFromIdentifyRet(10004)],
    ['a face check (verify_ret 10003)', '姓名与身份证号码不匹配', failureFromVerifyRet(10003)],
    ['the legacy client (errCode 90100)', '您已取消核验', failureFromClientErrCode(90100)],
    ['the legacy client (errCode 90106)', '摄像头启动失败，请重试', failureFromClientErrCode(90106)],
    ['the v2 client (verify_ret 90007)', '网络异常，请检查网络后重试', failureFromVerifyRet(90007)],
    ['the v2 client (errCode 90001)', '当前设备不支持人脸核身', failureFromClientErrCode(90001)],
    ['the support check (10001)', '当前设备不支持人脸核身', failureFromSupportCheckErrCode(10001)],
    ['an upstream errcode (84002)', '核验结果已过期，请重新核验', failureFromUpstreamErrcode(84002)],
    ['an upstream errcode (-1)', '微信系统繁忙，请稍后重试', failureFromUpstreamErrcode(-1)],
    ['an unknown code', '核验失败，请重试', failureFromUpstreamErrcode(99999)],
  ])('%s reads %s', (_from, zh, failure) => {
    expect(describeFailure(failure.code).zh).toBe(zh);
  });

  it.each([
    ['OPENID_MISMATCH', '核验结果不属于当前用户'],
    ['IDENTITY_MISMATCH', '核验结果与所填身份信息不一致'],
    ['STALE_EVIDENCE', '核验结果早于本次核验'],
    ['RESULT_INCOMPLETE', '核验结果不完整，请重试'],
  ] as const)("FaceGate's own rule %s reads %s", (code, zh) => {
    expect(describeFailure(code).zh).toBe(zh);
  });

  it.each([
    ['FACE_MISMATCH', true],
    ['USER_CANCELED', true],
    ['DEVICE_UNSUPPORTED', false],
    ['ID_NUMBER_MISMATCH', false],
    ['NO_ID_PHOTO', false],
    ['OPENID_MISMATCH', false],
    ['IDENTITY_MISMATCH', false],
    ['STALE_EVIDENCE', false],
  ] as const)('%s is retryable: %s', (code, retryable) => {
    expect(describeFailure(code).retryable).toBe(retryable);
  });

  it('treats only -1 as transient', () => {
    expect(isTransientUpstreamErrcode(-1)).toBe(true);
    for (const n of [0, 40001, 45011, 84002]) expect(isTransientUpstreamErrcode(n)).toBe(false);
  });

  it('maps a failed support check to DEVICE_UNSUPPORTED', () => {
    expect(failureFromSupportCheckErrCode(10001)).toEqual({
      code: 'DEVICE_UNSUPPORTED',
      retryable: false,
      upstreamCode: 10001,
    });
  });
});
