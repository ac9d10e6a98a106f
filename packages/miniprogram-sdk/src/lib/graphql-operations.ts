/**
 * Every GraphQL operation the mini program sends, as constants. A test validates each against the
 * gateway's schema.graphql, so a schema change that breaks the mini program fails the build.
 */
import type {
  CancelVerificationData,
  CancelVerificationVariables,
  ConfirmVerificationData,
  ConfirmVerificationVariables,
  GatewayInfoData,
  GatewayInfoVariables,
  GetVerificationData,
  GetVerificationVariables,
  SandboxDeviceData,
  SandboxDeviceVariables,
  SignInData,
  SignInVariables,
  StartVerificationData,
  StartVerificationVariables,
} from './graphql-types';
import type { Operation } from './operation';
import { PRIVACY_OPERATIONS } from './privacy-operations';
import { VERIFICATION_FIELDS } from './verification-fields';

export type { Operation } from './operation';

export const SIGN_IN: Operation<SignInData, SignInVariables> = {
  operationName: 'SignIn',
  document: `mutation SignIn($code: String!, $app: String) {
  signIn(code: $code, app: $app) { token expiresAt }
}`,
};

export const START_VERIFICATION: Operation<StartVerificationData, StartVerificationVariables> = {
  operationName: 'StartVerification',
  document: `mutation StartVerification($input: StartVerificationInput!) {
  startVerification(input: $input) { ...VerificationFields }
}
${VERIFICATION_FIELDS}`,
};

export const CONFIRM_VERIFICATION: Operation<ConfirmVerificationData, ConfirmVerificationVariables> = {
  operationName: 'ConfirmVerification',
  document: `mutation ConfirmVerification($input: ConfirmVerificationInput!) {
  confirmVerification(input: $input) { ...VerificationFields }
}
${VERIFICATION_FIELDS}`,
};

export const CANCEL_VERIFICATION: Operation<CancelVerificationData, CancelVerificationVariables> = {
  operationName: 'CancelVerification',
  document: `mutation CancelVerification($id: ID!) {
  cancelVerification(id: $id) { ...VerificationFields }
}
${VERIFICATION_FIELDS}`,
};

export const GET_VERIFICATION: Operation<GetVerificationData, GetVerificationVariables> = {
  operationName: 'GetVerification',
  document: `query GetVerification($id: ID!) {
  verification(id: $id) { ...VerificationFields }
}
${VERIFICATION_FIELDS}`,
};

/** Whether the gateway runs against the WeChat sandbox (asked only in WeChat DevTools). */
export const GATEWAY_INFO: Operation<GatewayInfoData, GatewayInfoVariables> = {
  operationName: 'GatewayInfo',
  document: `query GatewayInfo {
  gatewayInfo { sandbox }
}`,
};

/** Sandbox mode: the device routes and test identities for the simulated face step. */
export const SANDBOX_DEVICE: Operation<SandboxDeviceData, SandboxDeviceVariables> = {
  operationName: 'SandboxDevice',
  document: `query SandboxDevice {
  sandboxDevice { url openid appId identities { scenario name idCardNumber note } }
}`,
};

export const ALL_OPERATIONS: readonly Operation<unknown, unknown>[] = [
  SIGN_IN,
  START_VERIFICATION,
  CONFIRM_VERIFICATION,
  CANCEL_VERIFICATION,
  GET_VERIFICATION,
  GATEWAY_INFO,
  SANDBOX_DEVICE,
  ...PRIVACY_OPERATIONS,
] as readonly Operation<unknown, unknown>[];
