/**
 * Everything the SDK has, built once into miniprogram_dist/core.js: the public entry (index.js) and the
 * component both require it, so they share one signed-in token and one consent per app launch.
 */
import { authTokenStore } from './lib/auth-token.store';
import { forgetSandboxAnswers } from './lib/sandbox-face';

export {
  type AlternativeChoice,
  type ConsentText,
  createFaceGate,
  createServices,
  type FaceEvidence,
  type FaceGate,
  FaceGateError,
  type FaceGateOptions,
  type Outcome,
  outcomeOf,
  type StartInput,
  type Verification,
  type VerificationOptions,
  type Watch,
  type WatchOptions,
  type WxApi,
} from './lib/face-gate';
export {
  emptyIdentityForm,
  type IdentityForm,
  type IdentityView,
  type PendingIdentity,
  submissionOf,
  viewOf,
} from './lib/identity-form';
export { failureMessage, requestErrorMessage, type UserMessage } from './lib/messages';
export {
  type AlternativeOpened,
  alternativeViewOf,
  type ConsentView,
  consentViewOf,
  DEFAULT_ALTERNATIVE_LABEL,
  languageOf,
  openAlternative,
} from './lib/privacy';
export type { ConsentKind, ConsentTextData, VerificationOptionsData } from './lib/privacy-types';
export { GatewayAwareFaceClient, isDevTools, SandboxFaceVerifyClient } from './lib/sandbox-face';
export { type FlowState, type FlowStep, VerifyFlow } from './lib/verification-flow';
export { consentView, declinedView, formView, type VerifyView, verifyViewOf } from './lib/verify-view';

/**
 * Forgets the gateway token (a host's logout, or a test's new launch). Consent is no longer kept here: the
 * gateway records a receipt per session.
 */
export function signOut(): void {
  authTokenStore.clear();
  forgetSandboxAnswers();
}
