import { randomBytes } from 'node:crypto';
import type { SessionBinding, VerificationSessionSnapshot } from '@facegate/domain';
import identities from '../fixtures/identity.json';

export const TEST_KEY = new Uint8Array(32).map((_, i) => (i * 7 + 3) & 0xff);

export function uniqueId(prefix = 's'): string {
  return `${prefix}_${randomBytes(6).toString('hex')}`;
}

export const vectors = identities.valid;

export function legacyBinding(index = 0): SessionBinding {
  const v = vectors[index]!;
  return {
    protocol: 'LEGACY',
    idCardNumberMd5: v.idCardNumberMd5,
    nameUtf8Md5: v.nameUtf8Md5,
    userIdKey: `uik_${v.idCardNumberMd5.slice(0, 12)}_secret`,
  };
}

export function v2Binding(index = 0): SessionBinding {
  const v = vectors[index]!;
  return {
    protocol: 'V2',
    certHash: v.certHash,
    outSeqNo: `seq${index}abcde`,
    verifyId: `verifyid_${v.certHash.slice(0, 16)}_opaque`,
    verifyIdExpiresAt: new Date('2030-01-01T01:00:00.000Z'),
    // The verifyIds prepared at start for the further attempts (their dates must round-trip too).
    spares: [1, 2].map((n) => ({
      outSeqNo: `seq${index}spare${n}`,
      verifyId: `verifyid_${v.certHash.slice(16, 32)}_spare${n}`,
      verifyIdExpiresAt: new Date(Date.UTC(2030, 0, 1, 1, 0, n)),
    })),
  };
}

/** A PENDING legacy session built from the shared vectors: only masked forms and hashes, as the domain makes. */
export function aSession(overrides: Partial<VerificationSessionSnapshot> = {}): VerificationSessionSnapshot {
  const createdAt = overrides.createdAt ?? new Date('2030-01-01T00:00:00.000Z');
  return {
    id: uniqueId(),
    app: 'default',
    protocol: 'LEGACY',
    status: 'PENDING',
    openid: uniqueId('o'),
    livenessType: 'SCREEN_FLASH_OR_READ_DIGITS',
    observedLiveness: null,
    maskedName: '张*',
    maskedIdCardNumber: '1101**********002X',
    idNumberHmac: 'a3f1c0de'.repeat(8),
    binding: legacyBinding(0),
    attempts: 0,
    maxAttempts: 3,
    lastError: null,
    createdAt,
    expiresAt: new Date(createdAt.getTime() + 10 * 60_000),
    verifiedAt: null,
    endedAt: null,
    clientReferenceId: null,
    initiator: 'user',
    consentReceiptId: 'rcp_test',
    guardianRequired: false,
    cancelReason: null,
    redactedAt: null,
    version: 1,
    ...overrides,
  };
}
