/**
 * Errors a command can return (as a Result) when it does not fit: the session is unchanged. Each carries a
 * literal `code`. Infrastructure faults are thrown instead (UpstreamUnavailableError, UpstreamProtocolError).
 */
import type { IdentityRule } from '../identity/identity.errors.js';
import type { ConsentRequiredError, MinorNeedsGuardianError } from '../privacy/privacy.errors.js';
import type { VerificationStatus } from './verification.types.js';

export class SessionNotFoundError extends Error {
  readonly code = 'SESSION_NOT_FOUND' as const;
  constructor(readonly sessionId: string) {
    super('verification session not found');
    this.name = 'SessionNotFoundError';
  }
}

export class InvalidStateError extends Error {
  readonly code = 'INVALID_STATE' as const;
  constructor(
    readonly status: VerificationStatus,
    readonly command: string,
  ) {
    super(`cannot ${command} a verification that is ${status}`);
    this.name = 'InvalidStateError';
  }
}

export class EvidenceAlreadyUsedError extends Error {
  readonly code = 'EVIDENCE_ALREADY_USED' as const;
  constructor() {
    super('this verification result has already been used for another verification');
    this.name = 'EvidenceAlreadyUsedError';
  }
}

export class EvidenceInProgressError extends Error {
  readonly code = 'EVIDENCE_IN_PROGRESS' as const;
  constructor() {
    super('this verification result is being confirmed by another request; try again shortly');
    this.name = 'EvidenceInProgressError';
  }
}

export class InvalidInputError extends Error {
  readonly code = 'INVALID_INPUT' as const;
  constructor(
    readonly field: string,
    readonly rule: IdentityRule | string,
    /** English; never contains the input. */
    message: string,
    /** zh-CN for the user, when there is one (identity rules have one). */
    readonly messageZh: string | null = null,
  ) {
    super(message);
    this.name = 'InvalidInputError';
  }
}

/** Infrastructure: WeChat could not be reached or kept failing transiently within the deadline. Thrown. */
export class UpstreamUnavailableError extends Error {
  readonly code = 'UPSTREAM_UNAVAILABLE' as const;
  constructor(
    message = 'WeChat is unavailable',
    readonly upstreamCode: number | null = null,
  ) {
    super(message);
    this.name = 'UpstreamUnavailableError';
  }
}

/**
 * Infrastructure: the session kept changing under a command (optimistic version conflicts beyond the one
 * re-apply a command makes). Thrown; the caller may simply try again.
 */
export class ConcurrentModificationError extends Error {
  readonly code = 'CONCURRENT_MODIFICATION' as const;
  constructor(readonly sessionId: string) {
    super('the verification session was changed concurrently; try again');
    this.name = 'ConcurrentModificationError';
  }
}

/** Infrastructure: WeChat answered something that is not its documented shape. Thrown. */
export class UpstreamProtocolError extends Error {
  readonly code = 'UPSTREAM_PROTOCOL' as const;
  constructor(message: string) {
    super(message);
    this.name = 'UpstreamProtocolError';
  }
}

/**
 * The face check has not finished on the device (queryverifyinfo errcode 84005): confirmed too early. No
 * attempt is used; confirm again after the JSAPI succeeds.
 */
export class AttemptNotFinishedError extends Error {
  readonly code = 'ATTEMPT_NOT_FINISHED' as const;
  constructor(readonly upstreamCode: number) {
    super('the face check has not finished yet; confirm after the JSAPI succeeds');
    this.name = 'AttemptNotFinishedError';
  }
}

/** Too many starts for this user or ID number: nothing was sent to WeChat, nothing stored. */
export class RateLimitedError extends Error {
  readonly code = 'RATE_LIMITED' as const;
  constructor(readonly retryAfterSeconds: number) {
    super('too many requests; try again later');
    this.name = 'RateLimitedError';
  }
}

export type VerificationCommandError =
  | SessionNotFoundError
  | InvalidStateError
  | EvidenceAlreadyUsedError
  | EvidenceInProgressError
  | InvalidInputError
  | UpstreamRejectedError
  | AttemptNotFinishedError
  | RateLimitedError
  | ConsentRequiredError
  | MinorNeedsGuardianError;

/** WeChat refused to prepare a session (getuseridkey / getverifyid answered a non-transient errcode). */
export class UpstreamRejectedError extends Error {
  readonly code = 'UPSTREAM_REJECTED' as const;
  constructor(readonly upstreamCode: number) {
    super(`WeChat refused to prepare the verification (errcode ${upstreamCode})`);
    this.name = 'UpstreamRejectedError';
  }
}
