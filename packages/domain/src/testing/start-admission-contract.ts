/**
 * The StartAdmission contract as a reusable vitest suite: the in-memory fake and AbuseLimits (on in-memory
 * counters, and on the gateway's limiter over both databases) run the same tests (a separate package
 * export, since it imports vitest).
 *
 *   startAdmissionContract('AbuseLimits', async (clock, limits) => ({ admission, close }))
 *
 * `make` is called before every test with a fresh clock (at 2025-06-01T00:00:30Z, 08:00:30 in China: 30 s
 * left in the minute, 57,570 s in the day) and the limits below. Openids and ID numbers are new in every
 * test, so one store may serve them all.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StartAdmissionLimits } from '../abuse/abuse-rules.js';
import { DEFAULT_APP } from '../apps/app.js';
import type { StartAdmission, StartAdmissionRequest } from '../ports/start-admission.port.js';
import { FixedClock } from './fixed-clock.js';

export interface AdmissionUnderTest {
  readonly admission: StartAdmission;
  close(): Promise<void>;
}

export const CONTRACT_ADMISSION_LIMITS: StartAdmissionLimits = {
  openidPerDay: 5,
  idNumberPerMinute: 2,
  idNumberPerDay: 3,
  idNumberMismatchesPerDay: 3,
};

const MINUTE_LEFT = 30;
const DAY_LEFT = 57_570;

export function startAdmissionContract(
  name: string,
  make: (clock: FixedClock, limits: StartAdmissionLimits) => Promise<AdmissionUnderTest>,
): void {
  describe(`${name} honours the StartAdmission contract`, () => {
    let subject: AdmissionUnderTest;
    let clock: FixedClock;
    const run = Math.random().toString(36).slice(2, 8);
    let counter = 0;
    const uid = (label: string) => `${label}_${run}_${++counter}`;
    /** verifiedBefore calls, and what it answers. */
    let asked = 0;
    let verified = false;
    const admit = (openid: string, idNumberHmac: string, clientAddress: string | null, app = DEFAULT_APP) => {
      const request: StartAdmissionRequest = {
        app,
        openid,
        idNumberHmac,
        clientAddress,
        verifiedBefore: async () => {
          asked += 1;
          return verified;
        },
      };
      return subject.admission.admit(request);
    };
    const mismatch = (
      openid: string,
      idNumberHmac: string,
      clientAddress: string | null,
      app = DEFAULT_APP,
    ) => subject.admission.recordMismatch({ app, openid, idNumberHmac, clientAddress });

    beforeEach(async () => {
      clock = new FixedClock('2025-06-01T00:00:30.000Z');
      asked = 0;
      verified = false;
      subject = await make(clock, CONTRACT_ADMISSION_LIMITS);
    });
    afterEach(async () => {
      await subject.close();
    });

    it("counts a user's starts against their own limits: per ID number and openid (2 a minute, 3 a day), per openid (5 a day)", async () => {
      const [user, other, number, another] = [uid('o'), uid('o'), uid('n'), uid('n')];
      const answers = [];
      for (let i = 0; i < 3; i++) answers.push(await admit(user, number, '192.0.2.1'));
      expect(answers).toEqual([0, 0, MINUTE_LEFT]);
      // another user's allowance for the same number is untouched
      expect(await admit(other, number, '192.0.2.1')).toBe(0);
      clock.advance(60_000);
      expect(await admit(user, number, '192.0.2.1')).toBe(0);
      // the pair's third start of the day was the last: the refused one above was not counted there
      expect(await admit(user, number, '192.0.2.1')).toBe(DAY_LEFT - 60);
      // the user has asked 5 times today (refused starts count against their own daily limit)
      expect(await admit(user, another, '192.0.2.1')).toBe(DAY_LEFT - 60);
      expect(await admit(other, another, '192.0.2.1')).toBe(0);
      expect(asked).toBe(0);
    });

    it('counts every limit per app: an openid and a number refused in one app start afresh in another', async () => {
      const [user, number, hammered] = [uid('o'), uid('n'), uid('n')];
      for (const app of ['card', DEFAULT_APP]) {
        const answers = [];
        for (let i = 0; i < 3; i++) answers.push(await admit(user, number, '192.0.2.1', app));
        expect(answers, app).toEqual([0, 0, MINUTE_LEFT]);
      }
      for (let i = 0; i < 3; i++) await mismatch(user, hammered, '198.51.100.1', 'card');
      expect(await admit(user, hammered, '198.51.100.1', 'card')).toBe(DAY_LEFT);
      expect(asked).toBe(1);
      // the same openid, number and address in another app: no mismatch counted there
      expect(await admit(user, hammered, '198.51.100.1')).toBe(0);
      expect(await admit(user, hammered, '198.51.100.1', 'shop')).toBe(0);
      expect(asked).toBe(1);
    });

    it('bare starts never count towards the ID number: users at their limits from many addresses, and a newcomer still starts', async () => {
      const number = uid('n');
      for (let u = 0; u < 10; u++) {
        const stranger = uid('o');
        for (let i = 0; i < 3; i++) await admit(stranger, number, `198.51.100.${u}`);
      }
      expect(await admit(uid('o'), number, '203.0.113.7')).toBe(0);
      expect(asked).toBe(0);
    });

    it('once the mismatches for an ID number reach the ceiling, the openids and addresses that produced them are refused for it until the day ends; nobody else', async () => {
      const [number, elsewhere] = [uid('n'), uid('n')];
      const [hammer1, hammer2, newcomer, owner] = [uid('o'), uid('o'), uid('o'), uid('o')];
      await mismatch(hammer1, number, '198.51.100.1');
      await mismatch(hammer1, number, '198.51.100.1');
      // below the ceiling (3): contributors still start
      expect(await admit(hammer1, number, '198.51.100.1')).toBe(0);
      await mismatch(hammer2, number, '198.51.100.2');
      // the ceiling is reached
      expect(await admit(hammer1, number, '203.0.113.1')).toBe(DAY_LEFT); // the openid, from a new address
      expect(await admit(newcomer, number, '198.51.100.2')).toBe(DAY_LEFT); // a new openid, a hammering address
      expect(asked).toBe(2);
      expect(await admit(newcomer, number, '203.0.113.2')).toBe(0); // a new openid from a new address
      expect(await admit(owner, number, '203.0.113.3')).toBe(0);
      expect(await admit(owner, number, null)).toBe(0);
      // other ID numbers are not affected, even for the hammering openid and address
      expect(await admit(hammer1, elsewhere, '198.51.100.1')).toBe(0);
      expect(asked).toBe(2);
      // the next day starts from zero
      clock.advance(DAY_LEFT * 1000);
      expect(await admit(hammer1, number, '198.51.100.1')).toBe(0);
      expect(asked).toBe(2);
    });

    it('an openid that verified the ID number before still starts past the ceiling, even from a hammering address', async () => {
      const number = uid('n');
      const [owner, hammer] = [uid('o'), uid('o')];
      for (let i = 0; i < 3; i++) await mismatch(hammer, number, '198.51.100.9');
      await mismatch(owner, number, '203.0.113.9');
      verified = true;
      expect(await admit(owner, number, '198.51.100.9')).toBe(0);
      expect(asked).toBe(1);
      verified = false;
      expect(await admit(owner, number, '198.51.100.9')).toBe(DAY_LEFT);
    });

    it('counts no address when it is unknown', async () => {
      const number = uid('n');
      for (let i = 0; i < 3; i++) await mismatch(uid('o'), number, null);
      expect(await admit(uid('o'), number, null)).toBe(0);
      expect(asked).toBe(0);
    });
  });
}
