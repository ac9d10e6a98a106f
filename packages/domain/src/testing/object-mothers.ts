import { DEFAULT_APP } from '../apps/app.js';
import { certHashInput } from '../identity/cert-hash.js';
import type { VerificationEvent } from '../ports/event-publisher.port.js';
import { DEFAULT_LIVENESS_TYPE } from '../verification/liveness-type.js';
import type {
  LegacyBinding,
  V2Binding,
  VerificationSessionSnapshot,
} from '../verification/verification-session.types.js';
import { FakeIdentityDigests } from './fake-identity-digests.js';
import { type TestIdentity, testIdentities } from './test-identities.js';

const digests = new FakeIdentityDigests();

/** A valid identity from the shared vectors (张三 / 11010519491231002X), with its hashes. */
export function aValidIdentity(overrides: Partial<TestIdentity> = {}): TestIdentity {
  return { ...testIdentities.valid[0], ...overrides } as TestIdentity;
}

export const TEST_OPENID = 'o_test_user_openid_0001';
export const TEST_START = new Date('2025-06-01T00:00:00.000Z');

export function aLegacyBinding(overrides: Partial<LegacyBinding> = {}): LegacyBinding {
  const identity = aValidIdentity();
  return {
    protocol: 'LEGACY',
    idCardNumberMd5: identity.idCardNumberMd5,
    nameUtf8Md5: identity.nameUtf8Md5,
    userIdKey: 'fake-user-id-key-0',
    ...overrides,
  };
}

/**
 * A v2 binding of aValidIdentity() as a 3-attempt session starts: the current verifyId and two spares, all
 * expiring an hour after TEST_START.
 */
export function aV2Binding(overrides: Partial<V2Binding> = {}): V2Binding {
  const identity = aValidIdentity();
  return {
    protocol: 'V2',
    certHash: digests.sha256Hex(certHashInput('IDENTITY_CARD', identity.name, identity.idCardNumber)),
    outSeqNo: 'seq000000',
    verifyId: 'fake-verify-id-0',
    verifyIdExpiresAt: new Date(TEST_START.getTime() + 3600_000),
    spares: [1, 2].map((n) => ({
      outSeqNo: `seq00000${n}`,
      verifyId: `fake-verify-id-0-${n}`,
      verifyIdExpiresAt: new Date(TEST_START.getTime() + 3600_000),
    })),
    ...overrides,
  };
}

/**
 * A PENDING legacy session of aValidIdentity() for TEST_OPENID, created at TEST_START (FixedClock's default)
 * and expiring 30 minutes later. Pass `protocol: 'V2'` for a v2 one (binding and livenessType follow).
 */
export function aSessionSnapshot(
  overrides: Partial<VerificationSessionSnapshot> = {},
): VerificationSessionSnapshot {
  const identity = aValidIdentity();
  const v2 = overrides.protocol === 'V2';
  return {
    id: 'ses_test_000001',
    app: DEFAULT_APP,
    protocol: v2 ? 'V2' : 'LEGACY',
    status: 'PENDING',
    openid: TEST_OPENID,
    livenessType: v2 ? null : DEFAULT_LIVENESS_TYPE,
    observedLiveness: null,
    maskedName: '张*',
    maskedIdCardNumber: '1101**********002X',
    idNumberHmac: digests.hmacHex('id-number', identity.idCardNumber),
    binding: v2 ? aV2Binding() : aLegacyBinding(),
    attempts: 0,
    maxAttempts: 3,
    lastError: null,
    createdAt: new Date(TEST_START),
    expiresAt: new Date(TEST_START.getTime() + 30 * 60_000),
    verifiedAt: null,
    endedAt: null,
    clientReferenceId: null,
    initiator: 'user',
    consentReceiptId: 'rcp_test_000001',
    guardianRequired: false,
    cancelReason: null,
    redactedAt: null,
    version: 1,
    ...overrides,
  };
}

/** The event a write of `session` carries, as the use cases build it (at TEST_START unless told). */
export function anEventFor(
  session: VerificationSessionSnapshot,
  occurredAt: Date = TEST_START,
): VerificationEvent {
  return {
    type: 'verification.updated',
    sessionId: session.id,
    app: session.app,
    status: session.status,
    attempts: session.attempts,
    occurredAt,
  };
}
