import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * Seals a text field at rest. `context` (optional) is authenticated but not stored: a sealed value only opens
 * with the same context, so one row's ciphertext cannot be copied into another row.
 */
export interface FieldCipher {
  encrypt(plain: string, context?: string): string;
  decrypt(sealed: string, context?: string): string;
}

/** The sealed value does not open: wrong key, wrong context, tampered with, or not a sealed value at all. */
export class FieldCipherError extends Error {
  readonly code = 'FIELD_CIPHER' as const;
  constructor(message: string) {
    super(message);
    this.name = 'FieldCipherError';
  }
}

/** A key of the cipher's ring and its id (8 hex characters, the gateway's fingerprint of the key). */
export interface FieldCipherKey {
  readonly id: string;
  readonly key: Uint8Array;
}

const LEGACY_VERSION = 'v1';
const FORMAT_VERSION = 'v2';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const BASE64URL = /^[A-Za-z0-9_-]*$/;
const KEY_ID = /^[0-9a-f]{8}$/;

/**
 * AES-256-GCM with a random 96-bit IV per value, over a ring of keys: the first seals, every one opens what
 * it sealed. Format: `v2.<key id>.<iv>.<tag>.<ciphertext>` (parts base64url), so a value names the key that
 * opens it and a rotation can count and re-seal what an old key sealed. `v1.<iv>.<tag>.<ciphertext>` (sealed
 * before key ids) still opens, with whichever key of the ring opens it.
 */
export class AesGcmFieldCipher implements FieldCipher {
  private readonly keys: readonly { readonly id: string; readonly key: Buffer }[];

  /** One key (id 00000000: tests and tools with no ring), or a ring of keys, the current one first. */
  constructor(keys: Uint8Array | readonly FieldCipherKey[]) {
    const ring = keys instanceof Uint8Array ? [{ id: '00000000', key: keys }] : [...keys];
    if (ring.length === 0) throw new FieldCipherError('AesGcmFieldCipher needs a key');
    this.keys = ring.map(({ id, key }) => {
      if (!(key instanceof Uint8Array) || key.length !== 32) {
        throw new FieldCipherError('AesGcmFieldCipher needs a 32-byte key');
      }
      if (!KEY_ID.test(id)) throw new FieldCipherError('a key id is 8 lowercase hex characters');
      return { id, key: Buffer.from(key) };
    });
  }

  /** The id of the key new values are sealed with. */
  get currentKeyId(): string {
    return this.keys[0]!.id;
  }

  /** The id of the key that sealed `sealed`, or null for a value sealed before key ids (v1) or not sealed. */
  static keyIdOf(sealed: string): string | null {
    const parts = sealed.split('.');
    return parts.length === 5 && parts[0] === FORMAT_VERSION && KEY_ID.test(parts[1]!) ? parts[1]! : null;
  }

  encrypt(plain: string, context?: string): string {
    const { id, key } = this.keys[0]!;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
    if (context !== undefined) cipher.setAAD(Buffer.from(context, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    const tag = cipher.getAuthTag();
    return [FORMAT_VERSION, id, ...[iv, tag, ciphertext].map((p) => p.toString('base64url'))].join('.');
  }

  decrypt(sealed: string, context?: string): string {
    const parts = sealed.split('.');
    if (parts[0] === FORMAT_VERSION && parts.length === 5 && KEY_ID.test(parts[1]!)) {
      const key = this.keys.find((k) => k.id === parts[1]);
      if (key === undefined) {
        throw new FieldCipherError(`sealed with key ${parts[1]}, which is not among the live keys`);
      }
      return open(key.key, parts.slice(2), context);
    }
    if (parts[0] === LEGACY_VERSION && parts.length === 4) {
      // sealed before key ids: whichever live key opens it (GCM's tag tells a wrong key apart)
      let last: unknown;
      for (const { key } of this.keys) {
        try {
          return open(key, parts.slice(1), context);
        } catch (error) {
          last = error;
        }
      }
      throw last;
    }
    throw new FieldCipherError('not a sealed value of a known format');
  }
}

function open(key: Buffer, parts: readonly string[], context: string | undefined): string {
  if (!parts.every((p) => BASE64URL.test(p))) {
    throw new FieldCipherError('not a sealed value of a known format');
  }
  const iv = Buffer.from(parts[0]!, 'base64url');
  const tag = Buffer.from(parts[1]!, 'base64url');
  const ciphertext = Buffer.from(parts[2]!, 'base64url');
  if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) {
    throw new FieldCipherError('not a sealed value of a known format');
  }
  const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  decipher.setAuthTag(tag);
  if (context !== undefined) decipher.setAAD(Buffer.from(context, 'utf8'));
  try {
    return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8');
  } catch {
    throw new FieldCipherError('sealed value failed authentication (wrong key or context, or tampered with)');
  }
}
