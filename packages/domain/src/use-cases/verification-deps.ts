import type { AppDirectory } from '../apps/app.js';
import type { Clock } from '../ports/clock.port.js';
import type { EventPublisher } from '../ports/event-publisher.port.js';
import type { FaceVerificationProvider } from '../ports/face-verification-provider.port.js';
import type { IdGenerator } from '../ports/id-generator.port.js';
import type { IdentityDigests } from '../ports/identity-digests.port.js';
import type { StartAdmission } from '../ports/start-admission.port.js';
import type { VerificationSessionRepository } from '../ports/verification-session.repository.port.js';
import type { ConsentReceiptStore, ConsentTextRepository } from '../privacy/consent.ports.js';
import type { MinorsPolicy } from '../privacy/minors.js';

export interface VerificationSettings {
  /** Attempts per session (default 3). */
  readonly maxAttempts: number;
  /** Session lifetime (default 30 minutes); a V2 session never outlives its verifyId. */
  readonly sessionTtlMs: number;
  /** Tolerated clock difference with WeChat for identify_time / finish_time (default 60 s). */
  readonly clockSkewMs: number;
  /** An unfinished evidence claim older than this may be taken over (default 30 s). */
  readonly evidenceLeaseMs: number;
  /** How long a second confirmation of busy evidence waits for the first one's outcome (default 10 s). */
  readonly busyWaitMs: number;
}

export const DEFAULT_VERIFICATION_SETTINGS: VerificationSettings = {
  maxAttempts: 3,
  sessionTtlMs: 30 * 60_000,
  clockSkewMs: 60_000,
  evidenceLeaseMs: 30_000,
  busyWaitMs: 10_000,
};

/** Consent and minors: what StartVerification and the consent use cases check against. */
export interface ConsentDeps {
  readonly texts: ConsentTextRepository;
  readonly receipts: ConsentReceiptStore;
  /** Under 14 on the start date: refused, or allowed with a guardian's consent (FACEGATE_MINORS). */
  readonly minors: MinorsPolicy;
}

/** Everything the verification use cases need; the gateway's container builds one. */
export interface VerificationDeps {
  readonly repository: VerificationSessionRepository;
  readonly provider: FaceVerificationProvider;
  readonly digests: IdentityDigests;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly events: EventPublisher;
  readonly settings: VerificationSettings;
  /** Required: no session reaches the face check without a consent receipt. */
  readonly consent: ConsentDeps;
  /**
   * Abuse limits: asked by StartVerification after validation (user starts only), told by
   * ConfirmVerification of face and identity mismatches on user sessions; default ADMIT_ALL.
   */
  readonly admission?: StartAdmission;
  /** The apps served: a start must name an enabled app approved for its protocol. Absent: any app. */
  readonly apps?: AppDirectory;
  /** Waits between polls of a busy claim; injected so tests need not sleep. */
  readonly sleep?: (ms: number) => Promise<void>;
}
