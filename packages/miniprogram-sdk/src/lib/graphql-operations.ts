/**
 * Every GraphQL operation the mini program sends, as constants. A test validates each against the
 * gateway's schema.graphql, so a schema change that breaks the mini program fails the build.
 */
import type {
  CancelVerificationData,
  CancelVerificationVariables,
  ConfirmVerificationData,
  ConfirmVerificationVariables,
  GetVerificationData,
  GetVerificationVariables,
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
  document: `mutation SignIn($code: String!) {
  signIn(code: $code) { token expiresAt }
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

export const ALL_OPERATIONS: readonly Operation<unknown, unknown>[] = [
  SIGN_IN,
  START_VERIFICATION,
  CONFIRM_VERIFICATION,
  CANCEL_VERIFICATION,
  GET_VERIFICATION,
  ...PRIVACY_OPERATIONS,
] as readonly Operation<unknown, unknown>[];
