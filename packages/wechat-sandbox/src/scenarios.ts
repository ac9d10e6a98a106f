import type { SandboxScenario, SandboxTestIdentity } from './sandbox.types';

export const SANDBOX_SCENARIOS: readonly SandboxScenario[] = [
  'pass',
  'face_mismatch',
  'id_mismatch',
  'no_id_photo',
  'user_cancel',
  'capture_timeout',
  'camera_denied',
  'device_unsupported',
  'liveness_unavailable',
];

export function isSandboxScenario(value: unknown): value is SandboxScenario {
  return typeof value === 'string' && (SANDBOX_SCENARIOS as readonly string[]).includes(value);
}

interface ScenarioCodes {
  /** errCode of wx.startFacialRecognitionVerify, and identify_ret when below 90000. */
  readonly legacy: number;
  /** errCode of wx.requestFacialVerify; verify_ret is the same, except 10000 for a pass. */
  readonly v2: number;
  readonly description: string;
}

/**
 * Legacy codes from the result-code table, v2 codes from queryVerifyInfo's verify_ret table. A legacy run
 * with a code below 90000 reached WeChat's comparison, so a verifyResult exists and getinfo reports the code
 * as identify_ret; the 9xxxx codes are client-side failures with no verifyResult.
 */
export const SCENARIO_CODES: Readonly<Record<SandboxScenario, ScenarioCodes>> = {
  pass: { legacy: 0, v2: 0, description: 'ok' },
  face_mismatch: { legacy: 10004, v2: 10004, description: 'face does not match the ID photo' },
  id_mismatch: { legacy: 10003, v2: 10003, description: 'ID number does not match the name' },
  no_id_photo: { legacy: 10009, v2: 10009, description: 'no ID photo to compare with' },
  user_cancel: { legacy: 90100, v2: 90004, description: 'user canceled' },
  capture_timeout: { legacy: 90107, v2: 90017, description: 'face capture timed out' },
  camera_denied: { legacy: 90101, v2: 90008, description: 'camera not authorized' },
  device_unsupported: { legacy: 90109, v2: 90001, description: 'device does not support face verification' },
  liveness_unavailable: { legacy: 10069, v2: 10069, description: 'liveness check temporarily unavailable' },
};

/** Legacy errCodes below this reached WeChat's servers and leave a verifyResult behind. */
export const CLIENT_SIDE_CODES_FROM = 90000;

function noteOf(scenario: SandboxScenario): string {
  if (scenario === 'pass') return 'passes (as does any other valid identity)';
  const { legacy, v2 } = SCENARIO_CODES[scenario];
  const legacyOutcome = legacy < CLIENT_SIDE_CODES_FROM ? `identify_ret ${legacy}` : 'no verifyResult';
  return `legacy ${legacy} (${legacyOutcome}), v2 ${v2}`;
}

const reserve = (scenario: SandboxScenario, name: string, idCardNumber: string): SandboxTestIdentity => ({
  scenario,
  name,
  idCardNumber,
  note: noteOf(scenario),
});

/**
 * Reserved identities: the name picks the scenario (with any valid ID number); the ID numbers listed are
 * valid GB 11643 numbers (real province, real date, right check digit) so they pass any front-end check.
 * Every other valid identity passes.
 */
export const SANDBOX_TEST_IDENTITIES: readonly SandboxTestIdentity[] = [
  reserve('pass', '核身通过', '110102198001010017'),
  reserve('face_mismatch', '人脸不符', '310104198506150023'),
  reserve('id_mismatch', '证号不符', '440305199003100033'),
  reserve('no_id_photo', '无证件照', '510107199211200047'),
  reserve('user_cancel', '用户取消', '330106198808080055'),
  reserve('capture_timeout', '采集超时', '420102199505050060'),
  reserve('camera_denied', '相机拒绝', '610103198707070075'),
  reserve('device_unsupported', '设备不支持', '370202199303030089'),
  reserve('liveness_unavailable', '活体不可用', '500103199109090091'),
];

const SCENARIO_BY_NAME = new Map(
  SANDBOX_TEST_IDENTITIES.map((identity) => [identity.name, identity.scenario]),
);

/** The scenario a name reserves, or 'pass'. */
export function scenarioOfName(name: string): SandboxScenario {
  return SCENARIO_BY_NAME.get(name.trim()) ?? 'pass';
}
