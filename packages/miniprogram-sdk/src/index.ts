/**
 * @facegate/miniprogram-sdk: the plain API. The component is `@facegate/miniprogram-sdk/facegate-verify/index`.
 */
export {
  type AlternativeChoice,
  type ConsentText,
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
  type VerificationOptions,
  type Watch,
  type WatchOptions,
} from './core';
