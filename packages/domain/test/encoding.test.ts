import { base64Encode, utf8Encode } from '@facegate/domain';
import { hmacSha256Hex, md5Hex, sha256Hex } from '@facegate/domain/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

/** Reference implementations the domain may not use, but its tests may (the runtime is Node). */
declare const Buffer: {
  from(s: string | Uint8Array, enc?: string): { toString(enc: string): string; length: number } & Uint8Array;
};
declare function require(id: string): unknown;

describe('UTF-8 and Base64 without platform help', () => {
  it('encode as Node does, including astral characters and lone surrogates', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        expect(Array.from(utf8Encode(s))).toEqual(Array.from(Buffer.from(s, 'utf8')));
      }),
    );
    expect(Array.from(utf8Encode('\ud800x\udc00'))).toEqual([0xef, 0xbf, 0xbd, 0x78, 0xef, 0xbf, 0xbd]);
  });

  it('base64 as Node does, for every padding length', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        expect(base64Encode(bytes)).toBe(Buffer.from(bytes).toString('base64'));
      }),
    );
    expect(base64Encode(utf8Encode('IDENTITY_CARD'))).toBe('SURFTlRJVFlfQ0FSRA==');
  });
});

describe('the pure-JS digests of the testing export', () => {
  const crypto = (globalThis as { process?: unknown }).process
    ? (require('node:crypto') as {
        createHash(a: string): { update(s: string): { digest(e: string): string } };
        createHmac(a: string, k: string): { update(s: string): { digest(e: string): string } };
      })
    : null;

  it('equal node:crypto for MD5, SHA-256 and HMAC-SHA256', () => {
    if (!crypto) throw new Error('tests run in Node');
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme', maxLength: 200 }),
        fc.string({ maxLength: 100 }),
        (text, key) => {
          expect(md5Hex(text)).toBe(crypto.createHash('md5').update(text).digest('hex'));
          expect(sha256Hex(text)).toBe(crypto.createHash('sha256').update(text).digest('hex'));
          expect(hmacSha256Hex(key, text)).toBe(crypto.createHmac('sha256', key).update(text).digest('hex'));
        },
      ),
    );
    const long = 'k'.repeat(100);
    expect(hmacSha256Hex(long, 'x')).toBe(crypto.createHmac('sha256', long).update('x').digest('hex'));
    expect(md5Hex('')).toBe('d41d8cd98f00b204e9800998ecf8427e');
  });
});
