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

  it("uses the versioned format 'v2.<key id>.<iv>.<tag>.<ct>' (base64url, 12-byte IV, 16-byte tag) and hides the plaintext", () => {
    const plain = vectors[0]!.idCardNumber;
    const sealed = cipher.encrypt(plain);
    const [version, keyId, iv, tag, ct, ...rest] = sealed.split('.');
    expect(rest).toEqual([]);
    expect(version).toBe('v2');
    expect(keyId).toBe(cipher.currentKeyId);
    expect(AesGcmFieldCipher.keyIdOf(sealed)).toBe(keyId);
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
    expect(a.split('.')[2]).not.toBe(b.split('.')[2]);
  });

  it('detects tampering with the ciphertext, the tag or the IV', () => {
    const sealed = cipher.encrypt('the binding');
    const parts = sealed.split('.');
    for (const index of [2, 3, 4]) {
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

  describe('a ring of keys (a secret rotation)', () => {
    const oldKey = { id: '0a0b0c0d', key: new Uint8Array(32).fill(1) };
    const newKey = { id: '1a1b1c1d', key: new Uint8Array(32).fill(2) };
    const before = new AesGcmFieldCipher([oldKey]);
    const during = new AesGcmFieldCipher([newKey, oldKey]);
    const after = new AesGcmFieldCipher([newKey]);

    it('seals with the first key and opens what any live key sealed, naming the key in the value', () => {
      const old = before.encrypt('the binding', 'session-1');
      expect(AesGcmFieldCipher.keyIdOf(old)).toBe('0a0b0c0d');
      expect(during.decrypt(old, 'session-1')).toBe('the binding');
      const resealed = during.encrypt(during.decrypt(old, 'session-1'), 'session-1');
      expect(AesGcmFieldCipher.keyIdOf(resealed)).toBe('1a1b1c1d');
      expect(after.decrypt(resealed, 'session-1')).toBe('the binding');
    });

    it('refuses a value whose key left the ring, saying which key without echoing the value', () => {
      const old = before.encrypt('the binding');
      expect(() => after.decrypt(old)).toThrow(/sealed with key 0a0b0c0d, which is not among the live keys/);
    });

    it('opens a value sealed before key ids (v1) with whichever live key sealed it', () => {
      // v1 is v2 without the key id: built by hand from a v2 value of the old key
      const [, , iv, tag, ct] = before.encrypt('legacy', 'ctx').split('.');
      const legacy = ['v1', iv, tag, ct].join('.');
      expect(AesGcmFieldCipher.keyIdOf(legacy)).toBeNull();
      expect(during.decrypt(legacy, 'ctx')).toBe('legacy');
      expect(() => after.decrypt(legacy, 'ctx')).toThrow(FieldCipherError);
    });
  });

  it('needs a 32-byte key', () => {
    expect(() => new AesGcmFieldCipher(new Uint8Array(16))).toThrow(FieldCipherError);
    expect(() => new AesGcmFieldCipher(new Uint8Array(33))).toThrow(/32-byte/);
  });
});
