import { describe, expect, it } from 'vitest';
import { checkPageSize, entityIdMessage, isEntityId, isFailureCode, toFailureCode } from '../src/index.js';

describe('the checks every caller shares', () => {
  it('an entity id is 1-128 characters without NUL', () => {
    expect(isEntityId('vs_1')).toBe(true);
    expect(isEntityId('x'.repeat(128))).toBe(true);
    expect(isEntityId('')).toBe(false);
    expect(isEntityId('x'.repeat(129))).toBe(false);
    expect(isEntityId('vs_\u0000')).toBe(false);
    expect(entityIdMessage('openid')).toBe('openid must be 1-128 characters');
  });

  it('a page size is 1-100, 20 when not given', () => {
    expect(checkPageSize(undefined)).toEqual({ ok: true, value: 20 });
    expect(checkPageSize(null)).toEqual({ ok: true, value: 20 });
    expect(checkPageSize(1)).toEqual({ ok: true, value: 1 });
    expect(checkPageSize(100)).toEqual({ ok: true, value: 100 });
    for (const first of [0, -1, 101, 2.5]) {
      expect(checkPageSize(first)).toMatchObject({
        ok: false,
        error: {
          code: 'INVALID_INPUT',
          field: 'first',
          rule: 'PAGE_SIZE',
          message: 'first must be between 1 and 100',
        },
      });
    }
  });

  it('a stored failure code this version does not know is UNKNOWN', () => {
    expect(isFailureCode('FACE_MISMATCH')).toBe(true);
    expect(isFailureCode('FACE_MISMATCH_V9')).toBe(false);
    expect(isFailureCode(42)).toBe(false);
    expect(toFailureCode('FACE_MISMATCH')).toBe('FACE_MISMATCH');
    expect(toFailureCode('SOMETHING_NEW')).toBe('UNKNOWN');
  });
});
