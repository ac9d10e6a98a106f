/**
 * The result rules: pure functions from what WeChat answered (and what the session was created for) to an
 * attempt outcome. Every failure names the rule that failed; a field missing from an otherwise passing answer
 * is RESULT_INCOMPLETE, never a pass.
 */
import type { LegacyVerifyInfo, V2VerifyInfo } from '../ports/face-verification-provider.port.js';
import type { FailureCode } from './failure-code.js';
import {
  describeFailure,
  failureFromClientErrCode,
  failureFromIdentifyRet,
  failureFromUpstreamErrcode,
  failureFromVerifyRet,
  type MappedFailure,
} from './failure-taxonomy.js';
import { type ObservedLiveness, observedLivenessOf } from './liveness-type.js';
import type { LegacyBinding, VerificationFailure } from './verification-session.types.js';

export const V2_VERIFY_RET_PASSED = 10000;

export type RuleOutcome =
  | { readonly passed: true; readonly observedLiveness: ObservedLiveness | null }
  | {
      readonly passed: false;
      readonly failure: VerificationFailure;
      readonly observedLiveness: ObservedLiveness | null;
    };

export interface LegacyRuleContext {
  readonly binding: LegacyBinding;
  /** The user the session was created for. */
  readonly openid: string;
  /** When the session began: older evidence is stale. */
  readonly startedAt: Date;
  readonly now: Date;
  readonly clockSkewMs: number;
}

export function ruleFailure(
  code: FailureCode,
  rule: string,
  upstreamCode: number | null = null,
): VerificationFailure {
  return { code, retryable: describeFailure(code).retryable, upstreamCode, rule };
}

const fromMapped = (m: MappedFailure, rule: string): VerificationFailure => ({
  code: m.code,
  retryable: m.retryable,
  upstreamCode: m.upstreamCode,
  rule,
});

const failed = (
  failure: VerificationFailure,
  observedLiveness: ObservedLiveness | null = null,
): RuleOutcome => ({
  passed: false,
  failure,
  observedLiveness,
});

const sameHex = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

function timeRule(
  field: 'identify_time' | 'finish_time',
  unixSeconds: number,
  ctx: LegacyRuleContext,
): VerificationFailure | null {
  const ms = unixSeconds * 1000;
  // Unix seconds truncate: the skew allowance also covers the lost fraction.
  if (ms < ctx.startedAt.getTime() - ctx.clockSkewMs) return ruleFailure('STALE_EVIDENCE', field);
  if (ms > ctx.now.getTime() + ctx.clockSkewMs) return ruleFailure('FUTURE_EVIDENCE', field);
  return null;
}

/** getinfo's answer against the session: errcode, identify_ret, openid, both MD5s, both times. */
export function evaluateLegacyResult(info: LegacyVerifyInfo, ctx: LegacyRuleContext): RuleOutcome {
  if (info.errcode !== 0) return failed(fromMapped(failureFromUpstreamErrcode(info.errcode), 'errcode'));
  const observed = observedLivenessOf(info.validateData);
  const incomplete = (field: string) => failed(ruleFailure('RESULT_INCOMPLETE', field), observed);
  if (info.identifyRet == null) return incomplete('identify_ret');
  if (info.identifyRet !== 0)
    return failed(fromMapped(failureFromIdentifyRet(info.identifyRet), 'identify_ret'), observed);
  if (info.openid == null || info.openid === '') return incomplete('openid');
  if (info.openid !== ctx.openid) return failed(ruleFailure('OPENID_MISMATCH', 'openid'), observed);
  if (info.idCardNumberMd5 == null || info.idCardNumberMd5 === '') return incomplete('id_card_number_md5');
  if (!sameHex(info.idCardNumberMd5, ctx.binding.idCardNumberMd5)) {
    return failed(ruleFailure('IDENTITY_MISMATCH', 'id_card_number_md5'), observed);
  }
  if (info.nameUtf8Md5 == null || info.nameUtf8Md5 === '') return incomplete('name_utf8_md5');
  if (!sameHex(info.nameUtf8Md5, ctx.binding.nameUtf8Md5)) {
    return failed(ruleFailure('IDENTITY_MISMATCH', 'name_utf8_md5'), observed);
  }
  if (info.identifyTime == null) return incomplete('identify_time');
  const identifyTime = timeRule('identify_time', info.identifyTime, ctx);
  if (identifyTime) return failed(identifyTime, observed);
  if (info.finishTime == null) return incomplete('finish_time');
  const finishTime = timeRule('finish_time', info.finishTime, ctx);
  if (finishTime) return failed(finishTime, observed);
  return { passed: true, observedLiveness: observed };
}

/** queryverifyinfo's answer: passed iff errcode 0 and verify_ret 10000 (WeChat itself checks the binding). */
export function evaluateV2Result(info: V2VerifyInfo): RuleOutcome {
  if (info.errcode !== 0) return failed(fromMapped(failureFromUpstreamErrcode(info.errcode), 'errcode'));
  if (info.verifyRet == null) return failed(ruleFailure('RESULT_INCOMPLETE', 'verify_ret'));
  if (info.verifyRet !== V2_VERIFY_RET_PASSED) {
    return failed(fromMapped(failureFromVerifyRet(info.verifyRet), 'verify_ret'));
  }
  return { passed: true, observedLiveness: null };
}

/** The client reported an error: an attempt failure, never more. */
export function clientErrorOutcome(clientErrCode: number): RuleOutcome {
  return failed(fromMapped(failureFromClientErrCode(clientErrCode), 'client_err_code'));
}

/**
 * A client-reported error can fail an attempt but never make one pass: when the server-side rules passed and
 * the client said otherwise, the attempt fails with the client's code. A server-side failure stays as it is
 * (it is the more authoritative, and the client must not be able to soften it).
 */
export function withClientErrCode(
  outcome: RuleOutcome,
  clientErrCode: number | null | undefined,
): RuleOutcome {
  if (!outcome.passed || clientErrCode == null || clientErrCode === 0) return outcome;
  return { ...clientErrorOutcome(clientErrCode), observedLiveness: outcome.observedLiveness };
}

/** The codes by which WeChat says the face, or the name, does not match the ID number. */
export const MISMATCH_FAILURE_CODES: ReadonlySet<FailureCode> = new Set<FailureCode>([
  'ID_NUMBER_MISMATCH',
  'FACE_MISMATCH',
]);

/**
 * An attempt WeChat failed because the face or the name does not match the ID number: what hammering
 * somebody's number produces. Whether WeChat's server API answered it (identify_ret, verify_ret) or its JSAPI
 * reported it through the client: the v2 flow reports a failed check through the client without asking
 * the server, and a real mismatching face check costs little more than a made-up report.
 */
export function isMismatch(outcome: RuleOutcome): boolean {
  return !outcome.passed && MISMATCH_FAILURE_CODES.has(outcome.failure.code);
}
