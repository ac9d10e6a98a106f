import { describe, expect, it } from 'vitest';
import {
  certHashOf,
  idCardNumberMd5,
  nameUtf8Md5,
  parseResidentIdNumber,
  SANDBOX_SCENARIOS,
  SANDBOX_TEST_IDENTITIES,
} from '../src/index';
import vectors from './fixtures/identity.json';

const TODAY = new Date('2025-03-01T00:00:00Z');

describe('the hashes WeChat compares, against the shared vectors', () => {
  it.each(vectors.valid)('$name: id_card_number_md5, name_utf8_md5 and cert_hash', (identity) => {
    expect(idCardNumberMd5(identity.idCardNumber)).toBe(identity.idCardNumberMd5);
    expect(nameUtf8Md5(identity.name)).toBe(identity.nameUtf8Md5);
    expect(certHashOf('IDENTITY_CARD', identity.name, identity.idCardNumber)).toBe(identity.certHash);
  });

  it("reproduces WeChat's own cert_hash example", () => {
    const example = vectors.wechatDocCertHashExample;
    expect(certHashOf(example.certType, example.certName, example.certNo)).toBe(example.certHash);
    expect(example.certHash).toMatch(/^3c241f7f/);
  });

  it('hashes the ID number with a trailing x upper-cased', () => {
    const withX = vectors.valid.find((identity) => identity.idCardNumber.endsWith('X'))!;
    expect(idCardNumberMd5(withX.idCardNumber.toLowerCase())).toBe(withX.idCardNumberMd5);
  });
});

describe('resident ID numbers (GB 11643)', () => {
  it.each(vectors.valid)('accepts $idCardNumber', ({ idCardNumber }) => {
    expect(parseResidentIdNumber(idCardNumber, TODAY)).toBe(idCardNumber);
  });

  it.each(vectors.invalid)('refuses $input ($why)', ({ input }) => {
    expect(parseResidentIdNumber(input, TODAY)).toBeNull();
  });

  it.each(vectors.normalizes)('normalizes $why', ({ input, expected }) => {
    expect(parseResidentIdNumber(input, TODAY)).toBe(expected);
  });
});

describe('reserved test identities', () => {
  it('has exactly one identity per scenario, each with its own name', () => {
    expect(SANDBOX_TEST_IDENTITIES.map((identity) => identity.scenario).sort()).toEqual(
      [...SANDBOX_SCENARIOS].sort(),
    );
    expect(new Set(SANDBOX_TEST_IDENTITIES.map((identity) => identity.name)).size).toBe(
      SANDBOX_SCENARIOS.length,
    );
  });

  it.each(SANDBOX_TEST_IDENTITIES)('$name has a valid ID number ($idCardNumber)', ({ idCardNumber }) => {
    expect(parseResidentIdNumber(idCardNumber, TODAY)).toBe(idCardNumber);
  });
});
