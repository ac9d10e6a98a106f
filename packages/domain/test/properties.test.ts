import {
  CancelVerification,
  ConfirmVerification,
  ExpireVerifications,
  GetVerification,
  normalizeResidentIdInput,
  RESIDENT_ID_PROVINCE_CODES,
  ResidentIdNumber,
  type RuleOutcome,
  ruleFailure,
  UpstreamUnavailableError,
  VerificationSession,
  type VerificationSessionSnapshot,
} from '@facegate/domain';
import {
  aLegacyBinding,
  aV2Binding,
  copySnapshot,
  makeVerificationDeps,
  TEST_OPENID,
  testIdentities,
} from '@facegate/domain/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { identity, start } from './support/flows';

const today = new Date('2025-06-01T00:00:00.000Z');

/**
 * GB 11643-1999's check character, written out here from the standard rather than taken from the code under
 * test: weights 2^(17-i) mod 11 over the first 17 digits, the sum mod 11 indexing "10X98765432".
 */
const GB11643_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
function gb11643CheckChar(first17: string): string {
  const sum = [...first17].reduce((acc, digit, i) => acc + Number(digit) * GB11643_WEIGHTS[i]!, 0);
  return '10X98765432'[sum % 11]!;
}

/** Any valid resident ID number: real province, real past date, any sequence, right check character. */
const validIdNumber = fc
  .record({
    province: fc.constantFrom(...RESIDENT_ID_PROVINCE_CODES),
    area: fc.integer({ min: 0, max: 9999 }),
    birth: fc.date({
      min: new Date('1900-01-01T00:00:00Z'),
      max: new Date('2025-05-30T00:00:00Z'),
      noInvalidDate: true,
    }),
    sequence: fc.integer({ min: 0, max: 999 }),
  })
  .map(({ province, area, birth, sequence }) => {
    const ymd = birth.toISOString().slice(0, 10).replaceAll('-', '');
    const first17 = `${province}${String(area).padStart(4, '0')}${ymd}${String(sequence).padStart(3, '0')}`;
    return first17 + gb11643CheckChar(first17);
  });

const replacement = fc.oneof(
  fc.constantFrom(...'0123456789Xx', '０', '５', 'Ｘ', ' ', '\u3000', '-', 'O', 'l'),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
);

describe('property: resident ID numbers', () => {
  it("the test's own GB 11643 check character agrees with the published vectors", () => {
    for (const { idCardNumber } of testIdentities.valid) {
      expect(gb11643CheckChar(idCardNumber.slice(0, 17))).toBe(idCardNumber[17]!.toUpperCase());
    }
  });

  it('accepts every generated valid number', () => {
    fc.assert(fc.property(validIdNumber, (id) => ResidentIdNumber.parse(id, today).ok));
  });

  it('rejects any single-character change of a valid number', () => {
    const valid = fc.oneof(
      validIdNumber,
      fc.constantFrom(...testIdentities.valid.map((v) => v.idCardNumber)),
    );
    fc.assert(
      fc.property(valid, fc.nat(17), replacement, (id, pos, ch) => {
        const changed = id.slice(0, pos) + ch + id.slice(pos + 1);
        // Typing x for X, or a full-width twin of the same character, is no change at all.
        fc.pre(normalizeResidentIdInput(changed) !== id);
        expect(ResidentIdNumber.parse(changed, today).ok).toBe(false);
      }),
      { numRuns: 2000 },
    );
  });
});

type EntityCommand =
  | { kind: 'advance'; ms: number }
  | { kind: 'expire' }
  | { kind: 'cancel' }
  | { kind: 'attempt'; outcome: 'pass' | 'retryable' | 'final' };

const entityCommand: fc.Arbitrary<EntityCommand> = fc.oneof(
  fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 40 * 60_000 }) }),
  fc.constant({ kind: 'expire' as const }),
  fc.constant({ kind: 'cancel' as const }),
  fc.record({
    kind: fc.constant('attempt' as const),
    outcome: fc.constantFrom('pass' as const, 'retryable' as const, 'final' as const),
  }),
);

const outcomes: Record<'pass' | 'retryable' | 'final', RuleOutcome> = {
  pass: { passed: true, observedLiveness: null },
  retryable: {
    passed: false,
    failure: ruleFailure('FACE_MISMATCH', 'identify_ret', 10004),
    observedLiveness: null,
  },
  final: {
    passed: false,
    failure: ruleFailure('ID_NUMBER_MISMATCH', 'identify_ret', 10003),
    observedLiveness: null,
  },
};

const ENDED = new Set(['VERIFIED', 'FAILED', 'CANCELED', 'EXPIRED']);

/** What must hold for any stored or returned session. */
function expectValid(s: VerificationSessionSnapshot): void {
  const ended = ENDED.has(s.status);
  expect(s.attempts).toBeGreaterThanOrEqual(0);
  expect(s.attempts).toBeLessThanOrEqual(s.maxAttempts);
  expect(s.binding === null).toBe(ended);
  expect(s.endedAt !== null).toBe(ended);
  expect(s.verifiedAt !== null).toBe(s.status === 'VERIFIED');
  if (s.status === 'PENDING') expect(s.attempts).toBeLessThan(s.maxAttempts);
  if (s.status === 'FAILED') expect(s.lastError).not.toBeNull();
  if (s.status === 'VERIFIED') expect(s.attempts).toBeGreaterThan(0);
  if (s.binding?.protocol === 'V2') {
    // Never outlives a verifyId it could still hand out; each attempt has its own verifyId and out_seq_no.
    const prepared = [s.binding, ...s.binding.spares];
    for (const p of prepared)
      expect(s.expiresAt.getTime()).toBeLessThanOrEqual(p.verifyIdExpiresAt.getTime());
    expect(new Set(prepared.map((p) => p.verifyId)).size).toBe(prepared.length);
    expect(new Set(prepared.map((p) => p.outSeqNo)).size).toBe(prepared.length);
  }
  expectNoRawIdentity(s);
}

/** The privacy rule: no field of a snapshot, at any depth, holds the raw name or ID number. */
function expectNoRawIdentity(s: VerificationSessionSnapshot): void {
  const json = JSON.stringify(s);
  for (const secret of [identity.name, identity.idCardNumber, identity.idCardNumber.toLowerCase()]) {
    expect(json).not.toContain(secret);
  }
}

/** A v2 binding of aValidIdentity() with `count` spare verifyIds, expiring at various times. */
const v2BindingWithSpares = (count: number, now: Date) =>
  aV2Binding({
    spares: Array.from({ length: count }, (_, i) => ({
      outSeqNo: `seq_spare_${i}`,
      verifyId: `vid_spare_${i}`,
      verifyIdExpiresAt: new Date(now.getTime() + 3600_000 - i * 7 * 60_000),
    })),
  });

describe('property: the session entity', () => {
  it('never reaches an invalid state, whatever the commands', () => {
    fc.assert(
      fc.property(
        fc.boolean(),
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 0, max: 5 }),
        fc.array(entityCommand, { maxLength: 25 }),
        (v2, maxAttempts, spareCount, commands) => {
          let now = new Date('2025-06-01T00:00:00Z');
          let session = VerificationSession.start({
            id: 's',
            app: 'default',
            openid: TEST_OPENID,
            livenessType: v2 ? null : 'READ_DIGITS',
            maskedName: '张*',
            maskedIdCardNumber: '1101**********002X',
            idNumberHmac: 'h',
            binding: v2 ? v2BindingWithSpares(spareCount, now) : aLegacyBinding(),
            maxAttempts,
            consentReceiptId: 'rcp_1',
            guardianRequired: false,
            createdAt: now,
            expiresAt: new Date(now.getTime() + 1800_000),
            clientReferenceId: null,
            initiator: 'user',
          });
          expectValid(session.snapshot);
          for (const c of commands) {
            if (c.kind === 'advance') {
              now = new Date(now.getTime() + c.ms);
              continue;
            }
            const before = copySnapshot(session.snapshot);
            const result =
              c.kind === 'expire'
                ? session.expire(now)
                : c.kind === 'cancel'
                  ? session.cancel(now)
                  : session.recordAttempt(outcomes[c.outcome], now);
            expect(session.snapshot).toEqual(before); // commands never mutate
            if (!result.ok) continue;
            const after = result.value.snapshot;
            expect(ENDED.has(before.status)).toBe(false); // an ended session accepts nothing
            expect(after.version).toBe(before.version + 1);
            expectValid(after);
            if (after.status === 'VERIFIED') expect(c).toMatchObject({ kind: 'attempt', outcome: 'pass' });
            if (c.kind === 'attempt') expect(after.attempts).toBe(before.attempts + 1);
            // A v2 retry consumes exactly one spare: attempts plus spares left stays what it started as.
            if (after.binding?.protocol === 'V2') {
              expect(after.attempts + after.binding.spares.length).toBe(spareCount);
              if (c.kind === 'attempt' && before.binding?.protocol === 'V2')
                expect(after.binding.verifyId).toBe(before.binding.spares[0]?.verifyId);
            }
            session = result.value;
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});

type Action =
  | { kind: 'advance'; ms: number }
  | {
      kind: 'confirm';
      evidence: 'pass' | 'face' | 'id' | 'otherUser' | 'replay' | 'none';
      clientErrCode: number | null;
    }
  | { kind: 'cancel' }
  | { kind: 'get' }
  | { kind: 'expireBatch' }
  | { kind: 'upstreamDown' };

const action: fc.Arbitrary<Action> = fc.oneof(
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('advance' as const),
      ms: fc.integer({ min: 0, max: 20 * 60_000 }),
    }),
  },
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('confirm' as const),
      evidence: fc.constantFrom(
        'pass' as const,
        'face' as const,
        'id' as const,
        'otherUser' as const,
        'replay' as const,
        'none' as const,
      ),
      clientErrCode: fc.constantFrom(null, 0, 90100, 90109, 90002),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'cancel' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'get' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'expireBatch' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'upstreamDown' as const }) },
);

describe('property: the use cases', () => {
  it('keep every stored session valid, announced and monotonic, and verify only on passing evidence', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.boolean(),
        fc.integer({ min: 1, max: 4 }),
        fc.array(action, { maxLength: 20 }),
        async (v2, maxAttempts, actions) => {
          const deps = makeVerificationDeps({ settings: { maxAttempts } });
          const session = await start(deps, { protocol: v2 ? 'V2' : 'LEGACY' });
          // Every snapshot a use case returned or stored, checked for the raw identity at the end.
          const produced: VerificationSessionSnapshot[] = [session];
          const keep = (r: { ok: true; value: VerificationSessionSnapshot } | { ok: false }) => {
            if (r.ok) produced.push(r.value);
          };
          const used: { verifyResult: string; passing: boolean }[] = [];
          let previous = session;
          for (const a of actions) {
            let passingEvidence = false;
            switch (a.kind) {
              case 'advance':
                deps.clock.advance(a.ms);
                break;
              case 'upstreamDown':
                deps.provider.scriptLegacyResult(new UpstreamUnavailableError());
                deps.provider.scriptV2Result(new UpstreamUnavailableError());
                break;
              case 'cancel':
                keep(await new CancelVerification(deps).execute({ sessionId: session.id }));
                break;
              case 'get':
                keep(await new GetVerification(deps).execute({ sessionId: session.id }));
                break;
              case 'expireBatch':
                await new ExpireVerifications(deps).execute({ limit: 10 });
                produced.push(...deps.repository.all());
                break;
              case 'confirm': {
                let verifyResult: string | null = null;
                const clientFailed = a.clientErrCode != null && a.clientErrCode !== 0;
                if (v2) {
                  const binding = (await deps.repository.findById(session.id))?.binding;
                  const verifyRet = {
                    pass: 10000,
                    face: 10004,
                    id: 10003,
                    otherUser: 10003,
                    replay: 10004,
                    none: 10004,
                  }[a.evidence];
                  if (binding?.protocol === 'V2')
                    deps.provider.setV2Outcome(binding.verifyId, { errcode: 0, verifyRet });
                  passingEvidence = verifyRet === 10000 && !clientFailed;
                } else if (a.evidence === 'replay') {
                  const last = used.at(-1);
                  verifyResult = last?.verifyResult ?? null;
                  passingEvidence = (last?.passing ?? false) && !clientFailed;
                } else if (a.evidence !== 'none') {
                  verifyResult = deps.provider.issueLegacyEvidence({
                    openid: a.evidence === 'otherUser' ? 'o_other_user' : TEST_OPENID,
                    name: identity.name,
                    idCardNumber:
                      a.evidence === 'id' ? testIdentities.valid[1].idCardNumber : identity.idCardNumber,
                    identifyRet: a.evidence === 'face' ? 10004 : 0,
                  });
                  passingEvidence = a.evidence === 'pass' && !clientFailed;
                  used.push({ verifyResult, passing: a.evidence === 'pass' });
                }
                await new ConfirmVerification(deps)
                  .execute({ sessionId: session.id, verifyResult, clientErrCode: a.clientErrCode })
                  .then(keep, (e: unknown) => {
                    if (!(e instanceof UpstreamUnavailableError)) throw e;
                  });
                break;
              }
            }
            const stored = (await deps.repository.findById(session.id))!;
            produced.push(stored);
            expectValid(stored);
            // v2: one verifyId prepared at start for every attempt, the current one plus a spare per further one.
            if (stored.binding?.protocol === 'V2')
              expect(stored.attempts + 1 + stored.binding.spares.length).toBe(stored.maxAttempts);
            expect(stored.version).toBeGreaterThanOrEqual(previous.version);
            expect(stored.attempts).toBeGreaterThanOrEqual(previous.attempts);
            if (ENDED.has(previous.status)) expect(stored).toEqual(previous);
            if (stored.status === 'VERIFIED' && previous.status !== 'VERIFIED')
              expect(passingEvidence).toBe(true);
            // Every durable change was announced once.
            expect(deps.events.of(session.id)).toHaveLength(stored.version);
            expect(deps.events.of(session.id).at(-1)?.status).toBe(stored.status);
            previous = stored;
          }
          // All upstream preparation happens at start: one getuseridkey, or one getverifyid per attempt.
          expect(deps.provider.calls.prepare).toBe(v2 ? maxAttempts : 1);
          for (const s of produced) expectNoRawIdentity(s);
        },
      ),
      { numRuns: 150 },
    );
  });
});
