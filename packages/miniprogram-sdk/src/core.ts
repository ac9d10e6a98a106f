/**
 * Everything the SDK has, built once into miniprogram_dist/core.js: the public entry (index.js) and the
 * component both require it, so they share one signed-in token and one consent per app launch.
 */
import { authTokenStore } from './lib/auth-token.store';
import { consentStore } from './lib/consent';
import { forgetSandboxAnswers } from './lib/sandbox-face';

export {
  CONSENT_AGREE_LABEL,
  CONSENT_PARAGRAPHS,
  CONSENT_TITLE,
  CONSENT_VERSION,
  consentStore,
} from './lib/consent';
export {
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
export { GatewayAwareFaceClient, isDevTools, SandboxFaceVerifyClient } from './lib/sandbox-face';
export { type FlowState, type FlowStep, VerifyFlow } from './lib/verification-flow';
export { consentView, formView, type VerifyView, verifyViewOf } from './lib/verify-view';

/** Forgets the gateway token and the consent of this app launch (a host's logout, or a test's new launch). */
export function signOut(): void {
  authTokenStore.clear();
  consentStore.clear();
  forgetSandboxAnswers();
}
