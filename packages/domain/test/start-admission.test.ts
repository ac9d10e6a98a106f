import {
  type AdmissionSubject,
  type ConfirmVerificationCommand,
  residentIdCheckChar,
  type StartAdmission,
  type StartAdmissionRequest,
  StartVerification,
  type StartVerificationCommand,
  type VerificationSessionSnapshot,
} from '@facegate/domain';
import {
  FixedClock,
  InMemoryStartAdmission,
  makeVerificationDeps,
  TEST_CONSENT_VERSION,
  TEST_OPENID,
  testIdentities,
} from '@facegate/domain/testing';
import { startAdmissionContract } from '@facegate/domain/testing/start-admission-contract';
import { describe, expect, it } from 'vitest';
import { acceptConsent, confirm, error, identity, start, value } from './support/flows';

startAdmissionContract('InMemoryStartAdmission', async (clock, limits) => ({
  admission: new InMemoryStartAdmission(clock, limits),
  close: async () => {},
}));

/** A valid resident ID number (Beijing, born 1990-01-01) for each `n` below 1000. */
const idNumber = (n: number) => {
  const first17 = `11010119900101${String(n).padStart(3, '0')}`;
  return `${first17}${residentIdCheckChar(first17)}`;
};

/** Remembers what it was asked and told; answers `wait` to every start. */
function recordingAdmission(wait = 0) {
  const admitted: StartAdmissionRequest[] = [];
  const mismatches: AdmissionSubject[] = [];
  const admission: StartAdmission = {
    admit: async (request) => {
      admitted.push(request);
      return wait;
    },
    recordMismatch: async (subject) => {
      mismatches.push(subject);
    },
  };
  return { admission, admitted, mismatches };
}

const victim = testIdentities.valid[1]!;

describe('StartVerification and the abuse limits', () => {
  it("never asks about a service's start: a backend is neither counted nor refused by what users fill", async () => {
    const { admission, admitted } = recordingAdmission(3600);
    const deps = makeVerificationDeps({ admission });
    const started = await start(deps, { initiator: 'key_backend', openid: 'o_customer' });
    expect(started).toMatchObject({ status: 'PENDING', initiator: 'key_backend' });
    expect(admitted).toEqual([]);
    const refused = error(
      await new StartVerification(deps).execute({
        openid: 'o_customer',
        name: identity.name,
        idCardNumber: identity.idCardNumber,
        protocol: 'LEGACY',
        initiator: 'user',
        consent: { version: TEST_CONSENT_VERSION },
      }),
    );
    expect(refused).toMatchObject({ code: 'RATE_LIMITED', retryAfterSeconds: 3600 });
  });

  it("asks about a user's start with the openid, the ID number's HMAC and the client's address", async () => {
    const { admission, admitted } = recordingAdmission();
    const deps = makeVerificationDeps({ admission });
    await start(deps, { clientAddress: '198.51.100.7' });
    await start(deps);
    expect(admitted.map(({ verifiedBefore: _, ...subject }) => subject)).toEqual([
      {
        app: 'default',
        openid: TEST_OPENID,
        idNumberHmac: deps.digests.hmacHex('id-number', identity.idCardNumber),
        clientAddress: '198.51.100.7',
      },
      {
        app: 'default',
        openid: TEST_OPENID,
        idNumberHmac: deps.digests.hmacHex('id-number', identity.idCardNumber),
        clientAddress: null,
      },
    ]);
  });

  it('answers verifiedBefore from the repository: this openid has a VERIFIED session for this ID number', async () => {
    const { admission, admitted } = recordingAdmission();
    const deps = makeVerificationDeps({ admission });
    const verifiedBefore = () => admitted.at(-1)!.verifiedBefore();
    await start(deps, { openid: 'o_owner', ...victim });
    expect(await verifiedBefore()).toBe(false);
    const ran = await start(deps, { openid: 'o_owner', ...victim });
    const verifyResult = deps.provider.issueLegacyEvidence({ openid: 'o_owner', ...victim });
    expect(value(await confirm(deps, { sessionId: ran.id, verifyResult })).status).toBe('VERIFIED');
    await start(deps, { openid: 'o_owner', ...victim });
    expect(await verifiedBefore()).toBe(true);
    // another ID number of the same openid, and the same number for another openid: not verified
    await start(deps, { openid: 'o_owner', ...identity });
    expect(await verifiedBefore()).toBe(false);
    await start(deps, { openid: 'o_other', ...victim });
    expect(await verifiedBefore()).toBe(false);
  });
});

describe('ConfirmVerification records face and identity mismatches', () => {
  const setup = () => {
    const recording = recordingAdmission();
    return { ...recording, deps: makeVerificationDeps({ admission: recording.admission }) };
  };
  type Deps = ReturnType<typeof setup>['deps'];
  const v2Confirmation = async (
    deps: Deps,
    verifyRet: number,
    over: Partial<StartVerificationCommand> = {},
    command: Partial<ConfirmVerificationCommand> = {},
  ) => {
    let session = await start(deps, { protocol: 'V2', ...over });
    if (session.initiator !== 'user') session = await acceptConsent(deps, session);
    const binding = session.binding as { verifyId: string };
    deps.provider.setV2Outcome(binding.verifyId, { errcode: 0, verifyRet });
    return value(await confirm(deps, { sessionId: session.id, clientAddress: '203.0.113.5', ...command }));
  };

  it.each([
    [10004, 'FACE_MISMATCH'],
    [10003, 'ID_NUMBER_MISMATCH'],
  ])(
    'v2 verify_ret %i (%s): recorded once, with the openid, the ID number HMAC and the confirming address',
    async (verifyRet, code) => {
      const { deps, mismatches } = setup();
      const s = await v2Confirmation(deps, verifyRet);
      expect(s.lastError?.code).toBe(code);
      expect(mismatches).toEqual([
        {
          app: 'default',
          openid: TEST_OPENID,
          idNumberHmac: deps.digests.hmacHex('id-number', identity.idCardNumber),
          clientAddress: '203.0.113.5',
        },
      ]);
      // a repeat gets the recorded outcome and counts nothing more
      await confirm(deps, { sessionId: s.id, verifyId: 'fake-verify-id-1', clientAddress: '203.0.113.5' });
      expect(mismatches).toHaveLength(1);
    },
  );

  it('legacy identify_ret 10004: recorded', async () => {
    const { deps, mismatches } = setup();
    const session = await start(deps);
    const verifyResult = deps.provider.issueLegacyEvidence({
      openid: TEST_OPENID,
      ...identity,
      identifyRet: 10004,
    });
    const s = value(await confirm(deps, { sessionId: session.id, verifyResult }));
    expect(s.lastError).toMatchObject({ code: 'FACE_MISMATCH', rule: 'identify_ret' });
    expect(mismatches).toEqual([
      { app: 'default', openid: TEST_OPENID, idNumberHmac: session.idNumberHmac, clientAddress: null },
    ]);
  });

  it('a mismatch the WeChat JSAPI reported through the client (as the v2 flow does): recorded', async () => {
    const { deps, mismatches } = setup();
    const s = await v2Confirmation(deps, 10004, {}, { clientErrCode: 10004 });
    expect(s.lastError).toMatchObject({ code: 'FACE_MISMATCH', rule: 'client_err_code' });
    const legacy = await start(deps);
    const passing = deps.provider.issueLegacyEvidence({ openid: TEST_OPENID, ...identity });
    const t = value(
      await confirm(deps, { sessionId: legacy.id, verifyResult: passing, clientErrCode: 10003 }),
    );
    expect(t.lastError).toMatchObject({ code: 'ID_NUMBER_MISMATCH', rule: 'client_err_code' });
    expect(mismatches.map((m) => m.clientAddress)).toEqual(['203.0.113.5', null]);
  });

  it('not recorded: other failures, passes, sessions a service started', async () => {
    const { deps, mismatches } = setup();
    const outcomes: (string | undefined)[] = [];
    const record = (s: VerificationSessionSnapshot) => outcomes.push(s.lastError?.code ?? s.status);
    record(await v2Confirmation(deps, 10002)); // FACE_NOT_DETECTED
    record(await v2Confirmation(deps, 10009)); // NO_ID_PHOTO
    record(await v2Confirmation(deps, 10000));
    record(await v2Confirmation(deps, 10000, {}, { clientErrCode: 90003 }));
    record(await v2Confirmation(deps, 10004, { initiator: 'key_backend' }));
    record(await v2Confirmation(deps, 10004, { initiator: 'key_backend' }, { clientErrCode: 10004 }));
    expect(outcomes).toEqual([
      'FACE_NOT_DETECTED',
      'NO_ID_PHOTO',
      'VERIFIED',
      'USER_CANCELED',
      'FACE_MISMATCH',
      'FACE_MISMATCH',
    ]);
    expect(mismatches).toEqual([]);
  });
});

/**
 * The attack of the finding, on the domain with the in-memory fakes and production limits: strangers from
 * their own addresses hammer one ID number with a valid-looking name and real (failing) face checks.
 */
describe('hammering a stranger’s ID number (production limits)', () => {
  const setup = () => {
    const clock = new FixedClock('2025-06-01T00:00:30.000Z');
    const admission = new InMemoryStartAdmission(clock);
    return { admission, deps: makeVerificationDeps({ clock, admission }) };
  };
  type Deps = ReturnType<typeof setup>['deps'];
  const startAs = async (deps: Deps, command: Partial<StartVerificationCommand>) => {
    return new StartVerification(deps).execute({
      openid: TEST_OPENID,
      name: victim.name,
      idCardNumber: victim.idCardNumber,
      protocol: 'LEGACY',
      initiator: 'user',
      ...command,
      consent: (command.initiator ?? 'user') === 'user' ? { version: TEST_CONSENT_VERSION } : null,
    });
  };
  /** A face check on the device that WeChat judges a face mismatch, confirmed from `clientAddress`. */
  const mismatchOn = async (deps: Deps, session: VerificationSessionSnapshot, clientAddress: string) => {
    const verifyResult = deps.provider.issueLegacyEvidence({
      openid: session.openid,
      name: '王五',
      idCardNumber: victim.idCardNumber,
      identifyRet: 10004,
    });
    return value(await confirm(deps, { sessionId: session.id, verifyResult, clientAddress }));
  };

  it('50 strangers: the hammering accounts and addresses are stopped, the owner and a backend still start', async () => {
    const { deps, admission } = setup();
    const admittedPerStranger: number[] = [];
    for (let i = 1; i <= 50; i++) {
      const openid = `o_stranger_${i}`;
      const address = `198.51.100.${i}`;
      let admitted = 0;
      for (;;) {
        const started = await startAs(deps, { openid, name: '王五', clientAddress: address });
        if (!started.ok) {
          expect(started.error).toMatchObject({ code: 'RATE_LIMITED', retryAfterSeconds: 57_570 });
          break;
        }
        admitted += 1;
        await mismatchOn(deps, started.value, address);
      }
      admittedPerStranger.push(admitted);
    }
    // the first reaches the ceiling (10 mismatches) alone; past it, each new account and address gets one session
    expect(admittedPerStranger).toEqual([10, ...Array(49).fill(1)]);
    expect(admission.mismatches).toHaveLength(59);

    // the owner, from their own address, starts and verifies
    const own = value(await startAs(deps, { openid: 'o_owner', clientAddress: '203.0.113.10' }));
    const verifyResult = deps.provider.issueLegacyEvidence({ openid: 'o_owner', ...victim });
    expect(value(await confirm(deps, { sessionId: own.id, verifyResult })).status).toBe('VERIFIED');
    // a backend starts for them (never counted, never refused)
    expect(value(await startAs(deps, { openid: 'o_owner', initiator: 'key_backend' })).status).toBe(
      'PENDING',
    );
    // a fresh account from a hammering address is refused; the owner, who verified this number, is not
    expect(error(await startAs(deps, { openid: 'o_newcomer', clientAddress: '198.51.100.7' }))).toMatchObject(
      {
        code: 'RATE_LIMITED',
      },
    );
    expect(value(await startAs(deps, { openid: 'o_owner', clientAddress: '198.51.100.7' })).status).toBe(
      'PENDING',
    );
  });

  it('a single openid hammering many ID numbers is stopped by its daily limit (20)', async () => {
    const { deps } = setup();
    const answers: string[] = [];
    for (let n = 0; n < 21; n++) {
      const started = await startAs(deps, {
        openid: 'o_collector',
        name: '王五',
        idCardNumber: idNumber(100 + n),
        clientAddress: '198.51.100.200',
      });
      answers.push(started.ok ? 'ok' : started.error.code);
    }
    expect(answers).toEqual([...Array(20).fill('ok'), 'RATE_LIMITED']);
  });
});
