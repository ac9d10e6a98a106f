import {
  parseResidentIdNumber,
  SANDBOX_TEST_IDENTITIES,
  scenarioOfName,
  seededRandom,
} from '@facegate/wechat-sandbox';
import { describe, expect, it } from 'vitest';
import { checkDigitOf, randomIdentity } from '../src/index';

describe('made-up identities', () => {
  it('compute the GB 11643 check digit the sandbox identities carry', () => {
    for (const { idCardNumber } of SANDBOX_TEST_IDENTITIES) {
      expect(checkDigitOf(idCardNumber.slice(0, 17))).toBe(idCardNumber[17]);
    }
  });

  it('are valid ID numbers with ordinary names (never a reserved scenario name), and vary', () => {
    const random = seededRandom(7);
    const seen = new Set<string>();
    for (let i = 0; i < 500; i++) {
      const identity = randomIdentity(random);
      expect(parseResidentIdNumber(identity.idCardNumber, new Date())).toBe(identity.idCardNumber);
      expect(identity.name).toMatch(/^[\u4e00-\u9fff]{2,3}$/);
      expect(scenarioOfName(identity.name)).toBe('pass');
      seen.add(identity.idCardNumber);
    }
    expect(seen.size).toBeGreaterThan(490);
  });
});
