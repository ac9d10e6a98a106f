import { describe, expect, it } from 'vitest';
import { AesGcmFieldCipher, FieldCipherError } from '../src/index';
import { TEST_KEY, vectors } from './support/session-mother';

const cipher = new AesGcmFieldCipher(TEST_KEY);
const otherKey = new Uint8Array(32).fill(9);

describe('AesGcmFieldCipher', () => {
  it('round-trips text, including non-ASCII and the empty string', () => {
    for (const plain of ['', 'hello', JSON.stringify(vectors[3]), '阿依古丽·买买提']) {
      expect(cipher.decrypt(cipher.encrypt(plain))).toBe(plain);
      expect(cipher.decrypt(cipher.encrypt(plain, 'session-1'), 'session-1')).toBe(plain);
    }
  });

  it("uses the versioned format 'v1.<iv>.<tag>.<ct>' (base64url, 12-byte IV, 16-byte tag) and hides the plaintext", () => {
    const plain = vectors[0]!.idCardNumber;
    const sealed = cipher.encrypt(plain);
    const [version, iv, tag, ct, ...rest] = sealed.split('.');
    expect(rest).toEqual([]);
    expect(version).toBe('v1');
    expect(Buffer.from(iv!, 'base64url')).toHaveLength(12);
    expect(Buffer.from(tag!, 'base64url')).toHaveLength(16);
    expect(Buffer.from(ct!, 'base64url')).toHaveLength(Buffer.byteLength(plain));
    expect(sealed).toMatch(/^[A-Za-z0-9_.-]+$/);
    expect(sealed).not.toContain(plain);
  });

  it('uses a fresh random IV each time', () => {
    const a = cipher.encrypt('same');
    const b = cipher.encrypt('same');
    expect(a).not.toBe(b);
    expect(a.split('.')[1]).not.toBe(b.split('.')[1]);
  });

  it('detects tampering with the ciphertext, the tag or the IV', () => {
    const sealed = cipher.encrypt('the binding');
    const parts = sealed.split('.');
    for (const index of [1, 2, 3]) {
      const bytes = Buffer.from(parts[index]!, 'base64url');
      bytes[0] = bytes[0]! ^ 0x01;
      const tampered = parts.map((p, i) => (i === index ? bytes.toString('base64url') : p)).join('.');
      expect(() => cipher.decrypt(tampered)).toThrow(FieldCipherError);
    }
  });

  it('refuses a wrong key or a wrong context', () => {
    const sealed = cipher.encrypt('the binding', 'session-1');
    expect(() => new AesGcmFieldCipher(otherKey).decrypt(sealed, 'session-1')).toThrow(FieldCipherError);
    expect(() => cipher.decrypt(sealed, 'session-2')).toThrow(FieldCipherError);
    expect(() => cipher.decrypt(sealed)).toThrow(FieldCipherError);
  });

  it('refuses malformed values with a typed error that does not echo them', () => {
    for (const bad of [
      '',
      'plain text',
      'v2.a.b.c',
      'v1.a.b',
      'v1.!!.b.c',
      `v1.${'A'.repeat(16)}.${'A'.repeat(22)}.x.y`,
    ]) {
      try {
        cipher.decrypt(bad);
        expect.unreachable(`accepted ${bad}`);
      } catch (error) {
        expect(error).toBeInstanceOf(FieldCipherError);
        if (bad.length > 3) expect((error as Error).message).not.toContain(bad);
      }
    }
  });

  it('needs a 32-byte key', () => {
    expect(() => new AesGcmFieldCipher(new Uint8Array(16))).toThrow(FieldCipherError);
    expect(() => new AesGcmFieldCipher(new Uint8Array(33))).toThrow(/32-byte/);
  });
});
