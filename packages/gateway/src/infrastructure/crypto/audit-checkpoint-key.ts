import { createHash, createPrivateKey, createPublicKey, type KeyObject, sign, verify } from 'node:crypto';
import type { CheckpointSignatureCheck, CheckpointSigner } from '@facegate/domain';

/** DER prefix of a PKCS #8 Ed25519 private key (RFC 8410): the 32-byte seed follows. */
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/**
 * The Ed25519 key that signs the audit trail's checkpoints, from a 32-byte seed (the key ring's
 * `audit-checkpoint-signing` key, derived from FACEGATE_SECRET). Auditors check signatures with the public key
 * alone (`facegate audit public-key`). The key id is the first 16 hex characters of the SHA-256 of the raw
 * public key, so a trail signed under several keys names which one signed each checkpoint.
 */
export class AuditCheckpointKey implements CheckpointSigner {
  readonly keyId: string;
  readonly publicKey: KeyObject;
  private readonly privateKey: KeyObject;

  constructor(seed: Uint8Array) {
    if (seed.length !== 32) throw new Error('an Ed25519 seed is 32 bytes');
    this.privateKey = createPrivateKey({
      key: Buffer.concat([ED25519_PKCS8_PREFIX, seed]),
      format: 'der',
      type: 'pkcs8',
    });
    this.publicKey = createPublicKey(this.privateKey);
    this.keyId = auditKeyId(this.publicKey);
  }

  sign(message: string): string {
    return sign(null, Buffer.from(message, 'utf8'), this.privateKey).toString('base64');
  }

  /** The public key as PEM (SPKI), what `facegate audit public-key` prints. */
  publicKeyPem(): string {
    return this.publicKey.export({ format: 'pem', type: 'spki' }).toString();
  }
}

export function auditKeyId(publicKey: KeyObject): string {
  const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
  return createHash('sha256').update(raw).digest('hex').slice(0, 16);
}

/** Checks checkpoint signatures with public keys only (PEM), by key id. */
export function checkpointSignatureCheck(publicKeysPem: readonly string[]): CheckpointSignatureCheck {
  const keys = new Map(
    publicKeysPem.map((pem) => {
      const key = createPublicKey(pem);
      return [auditKeyId(key), key] as const;
    }),
  );
  return (message, signature, keyId) => {
    const key = keys.get(keyId);
    if (key === undefined) return false;
    try {
      return verify(null, Buffer.from(message, 'utf8'), key, Buffer.from(signature, 'base64'));
    } catch {
      return false;
    }
  };
}

/** SHA-256 of a string's UTF-8 bytes, hex: the chain's hash function. */
export const sha256Hex = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');
