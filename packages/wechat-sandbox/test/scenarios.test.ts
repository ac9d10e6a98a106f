import { describe, expect, it } from 'vitest';
import { certHashOf, SANDBOX_TEST_IDENTITIES, type SandboxScenario } from '../src/index';
import vectors from './fixtures/identity.json';
import { startHarness } from './support/harness';

/** What each scenario looks like from the mini program and from the server, per protocol. */
const EXPECTED: Record<
  SandboxScenario,
  { legacy: number; verifyResult: boolean; v2: number; verifyRet: number }
> = {
  pass: { legacy: 0, verifyResult: true, v2: 0, verifyRet: 10000 },
  face_mismatch: { legacy: 10004, verifyResult: true, v2: 10004, verifyRet: 10004 },
  id_mismatch: { legacy: 10003, verifyResult: true, v2: 10003, verifyRet: 10003 },
  no_id_photo: { legacy: 10009, verifyResult: true, v2: 10009, verifyRet: 10009 },
  liveness_unavailable: { legacy: 10069, verifyResult: true, v2: 10069, verifyRet: 10069 },
  user_cancel: { legacy: 90100, verifyResult: false, v2: 90004, verifyRet: 90004 },
  capture_timeout: { legacy: 90107, verifyResult: false, v2: 90017, verifyRet: 90017 },
  camera_denied: { legacy: 90101, verifyResult: false, v2: 90008, verifyRet: 90008 },
  device_unsupported: { legacy: 90109, verifyResult: false, v2: 90001, verifyRet: 90001 },
};

const someone = vectors.valid[4]!;
let seq = 0;

async function legacyRun(input: { name: string; idCardNumber: string; scenario?: SandboxScenario }) {
  const h = await startHarness();
  const run = h.sandbox.device.runLegacyCheck({ openid: 'o_tester', checkAliveType: 2, ...input });
  const info = run.verifyResult
    ? await h.face('getinfo', await h.stableToken(), { verify_result: run.verifyResult })
    : null;
  return { run, info };
}

async function v2Run(input: { name: string; idCardNumber: string; scenario?: SandboxScenario }) {
  const h = await startHarness();
  const token = await h.stableToken();
  const outSeqNo = `scenario_${++seq}`;
  const { verify_id } = await h.face('getverifyid', token, {
    out_seq_no: outSeqNo,
    cert_info: { cert_type: 'IDENTITY_CARD', cert_name: input.name, cert_no: input.idCardNumber },
    openid: 'o_tester',
  });
  const run = h.sandbox.device.runV2Check({
    openid: 'o_tester',
    verifyId: verify_id as string,
    scenario: input.scenario,
  });
  const answer = await h.face('queryverifyinfo', token, {
    verify_id,
    out_seq_no: outSeqNo,
    cert_hash: certHashOf('IDENTITY_CARD', input.name, input.idCardNumber),
    openid: 'o_tester',
  });
  return { run, answer };
}

function expectLegacy(scenario: SandboxScenario, result: Awaited<ReturnType<typeof legacyRun>>) {
  const expected = EXPECTED[scenario];
  expect(result.run.errCode).toBe(expected.legacy);
  expect(result.run.errMsg).toEqual(
    expected.legacy === 0
      ? 'startFacialRecognitionVerify:ok'
      : expect.stringMatching(/^startFacialRecognitionVerify:fail /),
  );
  if (expected.verifyResult) {
    expect(result.info).toMatchObject({ errcode: 0, identify_ret: expected.legacy });
  } else {
    expect(result.run.verifyResult).toBeNull();
  }
}

function expectV2(scenario: SandboxScenario, result: Awaited<ReturnType<typeof v2Run>>) {
  const expected = EXPECTED[scenario];
  expect(result.run.errCode).toBe(expected.v2);
  expect(result.run.errMsg).toEqual(
    expected.v2 === 0 ? 'requestFacialVerify:ok' : expect.stringMatching(/^requestFacialVerify:fail /),
  );
  expect(result.answer).toMatchObject({ errcode: 0, verify_ret: expected.verifyRet });
}

describe.each(SANDBOX_TEST_IDENTITIES)('scenario $scenario', (identity) => {
  it('legacy, chosen explicitly', async () => {
    expectLegacy(identity.scenario, await legacyRun({ ...someone, scenario: identity.scenario }));
  });

  it(`legacy, chosen by the reserved identity ${identity.name}`, async () => {
    expectLegacy(identity.scenario, await legacyRun(identity));
  });

  it('v2, chosen explicitly', async () => {
    expectV2(identity.scenario, await v2Run({ ...someone, scenario: identity.scenario }));
  });

  it(`v2, chosen by the reserved identity ${identity.name}`, async () => {
    expectV2(identity.scenario, await v2Run(identity));
  });
});

describe('scenario precedence', () => {
  it('an explicit scenario wins over the reserved identity', async () => {
    const faceMismatch = SANDBOX_TEST_IDENTITIES.find((identity) => identity.scenario === 'face_mismatch')!;
    expectLegacy('pass', await legacyRun({ ...faceMismatch, scenario: 'pass' }));
  });

  it('the reserved name decides whatever valid ID number comes with it', async () => {
    const cancel = SANDBOX_TEST_IDENTITIES.find((identity) => identity.scenario === 'user_cancel')!;
    expectLegacy('user_cancel', await legacyRun({ name: cancel.name, idCardNumber: someone.idCardNumber }));
  });

  it.each(vectors.valid)('any other valid identity passes ($name)', async (identity) => {
    expectLegacy('pass', await legacyRun(identity));
    expectV2('pass', await v2Run(identity));
  });
});
