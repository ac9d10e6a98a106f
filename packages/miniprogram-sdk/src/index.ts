/**
 * @facegate/miniprogram-sdk: the plain API. The component is `@facegate/miniprogram-sdk/facegate-verify/index`.
 */
export {
  CONSENT_PARAGRAPHS,
  CONSENT_TITLE,
  CONSENT_VERSION,
  createFaceGate,
  type FaceEvidence,
  type FaceGate,
  FaceGateError,
  type FaceGateOptions,
  failureMessage,
  type Outcome,
  outcomeOf,
  type StartInput,
  signOut,
  type Verification,
  type Watch,
  type WatchOptions,
} from './core';
