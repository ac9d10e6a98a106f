export { SANDBOX_HEADER } from './http/control-routes';
export { certHashOf, idCardNumberMd5, nameUtf8Md5 } from './identity/identity-digests';
export { normalizeIdNumber, parseResidentIdNumber } from './identity/resident-id';
export { startSandbox } from './sandbox';
export type {
  FaultKind,
  FaultSettings,
  FaultUpdate,
  LegacyCheckInput,
  LegacyCheckResult,
  Sandbox,
  SandboxApp,
  SandboxCounters,
  SandboxDevice,
  SandboxLimits,
  SandboxOptions,
  SandboxScenario,
  SandboxTestIdentity,
  V2CheckInput,
  V2CheckResult,
} from './sandbox.types';
export { SANDBOX_SCENARIOS, SANDBOX_TEST_IDENTITIES, SCENARIO_CODES, scenarioOfName } from './scenarios';
export { seededRandom } from './support/seeded-random';
export { BLOCKED_OPENID_PREFIX, WECHAT_LIMITS } from './wechat-backend';
export { SANDBOX_ERRCODES, SandboxInputError } from './wechat-errors';
