/**
 * The operations of consent and the alternative to the face (issue 20). Kept beside graphql-operations.ts,
 * which lists them in ALL_OPERATIONS (validated against schema.graphql, allow-listed by the gateway).
 */
import type { VerificationData } from './graphql-types';
import type { Operation } from './operation';
import type {
  AcceptConsentVariables,
  ConsentTextQueryData,
  ConsentTextQueryVariables,
  NoVariables,
  SessionDecisionVariables,
  VerificationOptionsQueryData,
} from './privacy-types';
import { VERIFICATION_FIELDS } from './verification-fields';

export const CONSENT_TEXT: Operation<ConsentTextQueryData, ConsentTextQueryVariables> = {
  operationName: 'ConsentText',
  document: `query ConsentText($kind: ConsentKind!, $app: String) {
  consentText(kind: $kind, app: $app) { version kind purpose textZh textEn sha256 publishedAt }
}`,
};

export const VERIFICATION_OPTIONS: Operation<VerificationOptionsQueryData, NoVariables> = {
  operationName: 'VerificationOptions',
  document: `query VerificationOptions {
  verificationOptions { alternative { kind target label } contact minors }
}`,
};

export const ACCEPT_CONSENT: Operation<{ acceptConsent: VerificationData }, AcceptConsentVariables> = {
  operationName: 'AcceptConsent',
  document: `mutation AcceptConsent($verificationId: ID!, $version: String!) {
  acceptConsent(verificationId: $verificationId, version: $version) { ...VerificationFields }
}
${VERIFICATION_FIELDS}`,
};

export const WITHDRAW_CONSENT: Operation<{ withdrawConsent: VerificationData }, SessionDecisionVariables> = {
  operationName: 'WithdrawConsent',
  document: `mutation WithdrawConsent($verificationId: ID!) {
  withdrawConsent(verificationId: $verificationId) { ...VerificationFields }
}
${VERIFICATION_FIELDS}`,
};

export const CHOOSE_ALTERNATIVE: Operation<
  { chooseAlternative: VerificationData },
  SessionDecisionVariables
> = {
  operationName: 'ChooseAlternative',
  document: `mutation ChooseAlternative($verificationId: ID!) {
  chooseAlternative(verificationId: $verificationId) { ...VerificationFields }
}
${VERIFICATION_FIELDS}`,
};

export const PRIVACY_OPERATIONS = [
  CONSENT_TEXT,
  VERIFICATION_OPTIONS,
  ACCEPT_CONSENT,
  WITHDRAW_CONSENT,
  CHOOSE_ALTERNATIVE,
] as const;
