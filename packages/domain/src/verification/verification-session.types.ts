import type { FailureCode } from './failure-code.js';
import type { LivenessType, ObservedLiveness } from './liveness-type.js';
import type { CancelReason, VerificationProtocol, VerificationStatus } from './verification.types.js';

/** What the legacy result rules compare getinfo's answer against. */
export interface LegacyBinding {
  readonly protocol: 'LEGACY';
  /** MD5 (lowercase hex) of the normalized ID number, trailing X upper-case. */
  readonly idCardNumberMd5: string;
  /** MD5 (lowercase hex) of the UTF-8 name. */
  readonly nameUtf8Md5: string;
  /** From getuseridkey, handed to the client instead of the name and ID number. */
  readonly userIdKey: string | null;
}

/** One v2 attempt prepared with getverifyid: what queryverifyinfo is later called with. */
export interface PreparedV2Attempt {
  readonly outSeqNo: string;
  readonly verifyId: string;
  readonly verifyIdExpiresAt: Date;
}

/**
 * What queryverifyinfo is called with. One verifyId per attempt: the current one in the top-level fields,
 * the ones for further attempts in `spares`. All are prepared when the session starts, so the raw name and
 * ID number (which getverifyid needs) are never kept: only the cert_hash the rules compare.
 */
export interface V2Binding extends PreparedV2Attempt {
  readonly protocol: 'V2';
  readonly certHash: string;
  /** Prepared verifyIds for the next attempts, in the order they are used. */
  readonly spares: readonly PreparedV2Attempt[];
}

export type SessionBinding = LegacyBinding | V2Binding;

/** The latest failed attempt. Messages are derived from `code` (see failure-code.ts). */
export interface VerificationFailure {
  readonly code: FailureCode;
  readonly retryable: boolean;
  /** The raw WeChat code (identify_ret, verify_ret, errcode or client errCode), when there was one. */
  readonly upstreamCode: number | null;
  /** Which rule failed, e.g. 'identify_ret', 'openid', 'id_card_number_md5'. */
  readonly rule: string;
}

/**
 * The persisted form of a VerificationSession. Holds no raw name or ID number: masked forms for display, a
 * keyed HMAC of the ID number, and the binding (hashes the rules need), which the repository encrypts at
 * rest and which is null once the session has ended.
 */
export interface VerificationSessionSnapshot {
  readonly id: string;
  /** The app (mini program) it belongs to: its openid means something only within this app. */
  readonly app: string;
  readonly protocol: VerificationProtocol;
  readonly status: VerificationStatus;
  readonly openid: string;
  /** Legacy only: the requested checkAliveType. */
  readonly livenessType: LivenessType | null;
  /** Legacy only: what the evidence shows was actually done. */
  readonly observedLiveness: ObservedLiveness | null;
  readonly maskedName: string;
  readonly maskedIdCardNumber: string;
  readonly idNumberHmac: string;
  readonly binding: SessionBinding | null;
  readonly attempts: number;
  readonly maxAttempts: number;
  readonly lastError: VerificationFailure | null;
  readonly createdAt: Date;
  readonly expiresAt: Date;
  readonly verifiedAt: Date | null;
  readonly endedAt: Date | null;
  readonly clientReferenceId: string | null;
  /** 'user' when the mini program user started it, else the id of the service API key. */
  readonly initiator: string;
  /**
   * The consent receipt that lets the face check run: set at start (a user starting for themselves) or by
   * acceptConsent (a session a service started). Without one, no client parameters and no confirmation.
   */
  readonly consentReceiptId: string | null;
  /** The holder was under 14 at the start: only a guardian's consent to a guardian text will do. */
  readonly guardianRequired: boolean;
  /** Why a CANCELED session was canceled; null for every other status. */
  readonly cancelReason: CancelReason | null;
  /**
   * When the personal fields were removed (retention, or on request): openid, masked name and ID number,
   * ID-number HMAC and client reference are then empty, and the session can never change again.
   */
  readonly redactedAt: Date | null;
  /** Optimistic concurrency: incremented on every change. */
  readonly version: number;
}
