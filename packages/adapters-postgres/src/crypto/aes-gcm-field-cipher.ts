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

const FORMAT_VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const BASE64URL = /^[A-Za-z0-9_-]*$/;

/**
 * AES-256-GCM with a random 96-bit IV per value. Format: `v1.<iv>.<tag>.<ciphertext>`, each part base64url;
 * the version prefix leaves room for another algorithm or key later.
 */
export class AesGcmFieldCipher implements FieldCipher {
  private readonly key: Buffer;

  constructor(key: Uint8Array) {
    if (!(key instanceof Uint8Array) || key.length !== 32) {
      throw new FieldCipherError('AesGcmFieldCipher needs a 32-byte key');
    }
    this.key = Buffer.from(key);
  }

  encrypt(plain: string, context?: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv, { authTagLength: TAG_BYTES });
    if (context !== undefined) cipher.setAAD(Buffer.from(context, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    const tag = cipher.getAuthTag();
    return [FORMAT_VERSION, iv, tag, ciphertext]
      .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
      .join('.');
  }

  decrypt(sealed: string, context?: string): string {
    const parts = sealed.split('.');
    if (
      parts.length !== 4 ||
      parts[0] !== FORMAT_VERSION ||
      !parts.slice(1).every((p) => BASE64URL.test(p))
    ) {
      throw new FieldCipherError('not a sealed value of a known format');
    }
    const iv = Buffer.from(parts[1]!, 'base64url');
    const tag = Buffer.from(parts[2]!, 'base64url');
    const ciphertext = Buffer.from(parts[3]!, 'base64url');
    if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) {
      throw new FieldCipherError('not a sealed value of a known format');
    }
    const decipher = createDecipheriv('aes-256-gcm', this.key, iv, { authTagLength: TAG_BYTES });
    decipher.setAuthTag(tag);
    if (context !== undefined) decipher.setAAD(Buffer.from(context, 'utf8'));
    try {
      return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8');
    } catch {
      throw new FieldCipherError(
        'sealed value failed authentication (wrong key or context, or tampered with)',
      );
    }
  }
}
