import {
  clientParamsOf,
  InvalidStateError,
  type RuleOutcome,
  ruleFailure,
  type StartSessionProps,
  VerificationSession,
} from '@facegate/domain';
import { aLegacyBinding, aV2Binding, TEST_OPENID, TEST_START } from '@facegate/domain/testing';
import { describe, expect, it } from 'vitest';

const props = (over: Partial<StartSessionProps> = {}): StartSessionProps => ({
  id: 'ses_1',
  app: 'default',
  openid: TEST_OPENID,
  livenessType: 'SCREEN_FLASH',
  maskedName: '张*',
  maskedIdCardNumber: '1101**********002X',
  idNumberHmac: 'h',
  binding: aLegacyBinding(),
  maxAttempts: 3,
  createdAt: TEST_START,
  expiresAt: new Date(TEST_START.getTime() + 1800_000),
  clientReferenceId: null,
  initiator: 'user',
  consentReceiptId: 'rcp_1',
  guardianRequired: false,
  ...over,
});
const later = (ms: number) => new Date(TEST_START.getTime() + ms);
const pass: RuleOutcome = { passed: true, observedLiveness: 'READ_DIGITS' };
const retryable: RuleOutcome = {
  passed: false,
  failure: ruleFailure('FACE_MISMATCH', 'identify_ret', 10004),
  observedLiveness: null,
};
const final: RuleOutcome = {
  passed: false,
  failure: ruleFailure('IDENTITY_MISMATCH', 'name_utf8_md5'),
  observedLiveness: null,
};
const ok = (r: { ok: boolean; value?: VerificationSession }) => {
  if (!r.ok || !r.value) throw new Error('expected ok');
  return r.value;
};

describe('VerificationSession', () => {
  it('starts PENDING at version 1 with no attempts', () => {
    const s = VerificationSession.start(props());
    expect(s.snapshot).toMatchObject({
      status: 'PENDING',
      version: 1,
      attempts: 0,
      protocol: 'LEGACY',
      endedAt: null,
    });
    expect(s.isEnded).toBe(false);
  });

  it('refuses impossible starts (bugs, thrown)', () => {
    expect(() => VerificationSession.start(props({ maxAttempts: 0 }))).toThrow(RangeError);
    expect(() => VerificationSession.start(props({ livenessType: null }))).toThrow(RangeError);
    expect(() => VerificationSession.start(props({ binding: aV2Binding() }))).toThrow(RangeError);
  });

  it('never lets a v2 session outlive its verifyId, nor any spare', () => {
    const start = (binding = aV2Binding()) =>
      VerificationSession.start(props({ livenessType: null, binding, expiresAt: later(1800_000) }));
    expect(start(aV2Binding({ verifyIdExpiresAt: later(60_000) })).snapshot.expiresAt).toEqual(later(60_000));
    const spares = [
      { outSeqNo: 'seq1', verifyId: 'vid1', verifyIdExpiresAt: later(3600_000) },
      { outSeqNo: 'seq2', verifyId: 'vid2', verifyIdExpiresAt: later(90_000) },
    ];
    expect(start(aV2Binding({ spares })).snapshot.expiresAt).toEqual(later(90_000));
    expect(start(aV2Binding({ spares: [] })).snapshot.expiresAt).toEqual(later(1800_000));
  });

  it('verifies on a pass, recording the observed liveness and dropping the binding', () => {
    const s = ok(VerificationSession.start(props()).recordAttempt(pass, later(1000)));
    expect(s.snapshot).toMatchObject({
      status: 'VERIFIED',
      attempts: 1,
      verifiedAt: later(1000),
      endedAt: later(1000),
      observedLiveness: 'READ_DIGITS',
      binding: null,
      version: 2,
    });
    expect(clientParamsOf(s)).toBeNull();
  });

  it('stays PENDING after a retryable failure while attempts remain, and fails on the last', () => {
    let s = VerificationSession.start(props());
    s = ok(s.recordAttempt(retryable, later(1)));
    s = ok(s.recordAttempt(retryable, later(2)));
    expect(s.snapshot).toMatchObject({
      status: 'PENDING',
      attempts: 2,
      lastError: retryable.failure,
      version: 3,
    });
    expect(s.continuesAfter(retryable.passed ? (null as never) : retryable.failure)).toBe(false);
    s = ok(s.recordAttempt(retryable, later(3)));
    expect(s.snapshot).toMatchObject({ status: 'FAILED', attempts: 3, binding: null, endedAt: later(3) });
  });

  it('fails at once on a non-retryable failure', () => {
    const s = ok(VerificationSession.start(props()).recordAttempt(final, later(1)));
    expect(s.snapshot).toMatchObject({
      status: 'FAILED',
      attempts: 1,
      lastError: final.failure,
      binding: null,
    });
  });

  it('moves a v2 session to its next spare verifyId, and fails it when none is left', () => {
    const spares = [
      { outSeqNo: 'seq2', verifyId: 'vid2', verifyIdExpiresAt: later(600_000) },
      { outSeqNo: 'seq3', verifyId: 'vid3', verifyIdExpiresAt: later(600_000) },
    ];
    const v2 = VerificationSession.start(
      props({ livenessType: null, maxAttempts: 5, binding: aV2Binding({ spares }) }),
    );
    const moved = ok(v2.recordAttempt(retryable, later(1)));
    expect(moved.binding).toEqual({ ...aV2Binding(), ...spares[0], spares: [spares[1]] });
    expect(moved.snapshot.expiresAt).toEqual(later(600_000));
    const last = ok(moved.recordAttempt(retryable, later(2)));
    expect(last.snapshot.binding).toEqual({ ...aV2Binding(), ...spares[1], spares: [] });
    expect(clientParamsOf(last)).toEqual({ protocol: 'V2', verifyId: 'vid3' });
    // Attempts would remain (5), but no prepared verifyId does.
    expect(last.continuesAfter(retryable.passed ? (null as never) : retryable.failure)).toBe(true);
    expect(ok(last.recordAttempt(retryable, later(3))).snapshot).toMatchObject({
      status: 'FAILED',
      attempts: 3,
      binding: null,
    });
  });

  it('expires only when due, and cancels only while pending', () => {
    const s = VerificationSession.start(props());
    const notYet = s.expire(later(1800_000 - 1));
    expect(notYet.ok).toBe(false);
    expect(ok(s.expire(later(1800_000))).snapshot).toMatchObject({ status: 'EXPIRED', binding: null });
    const cancelled = ok(s.cancel(later(5)));
    expect(cancelled.snapshot).toMatchObject({ status: 'CANCELED', endedAt: later(5), binding: null });
    for (const r of [
      cancelled.cancel(later(6)),
      cancelled.expire(later(1e9)),
      cancelled.recordAttempt(pass, later(7)),
    ]) {
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error).toBeInstanceOf(InvalidStateError);
    }
  });

  it('hands the client its parameters from either form', () => {
    const s = VerificationSession.start(props({ livenessType: 'READ_DIGITS' }));
    expect(clientParamsOf(s)).toEqual({
      protocol: 'LEGACY',
      checkAliveType: 0,
      userIdKey: 'fake-user-id-key-0',
    });
    expect(clientParamsOf(s.snapshot)).toEqual(clientParamsOf(s));
  });
});
