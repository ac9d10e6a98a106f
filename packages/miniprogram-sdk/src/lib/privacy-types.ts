/** Hand-written result types of the privacy operations in privacy-operations.ts (issue 20's contract). */
export type ConsentKind = 'STANDARD' | 'GUARDIAN';
export type AlternativeKind = 'PAGE' | 'URL';
export type MinorsPolicy = 'REFUSE' | 'GUARDIAN';
export type CancelReason = 'REQUESTED' | 'CONSENT_WITHDRAWN' | 'ALTERNATIVE_CHOSEN' | 'SUBJECT_ERASED';

export interface ConsentTextData {
  readonly version: string;
  readonly kind: ConsentKind;
  readonly purpose: string;
  readonly textZh: string;
  readonly textEn: string | null;
  readonly sha256: string;
  readonly publishedAt: string;
}

export interface ConsentReceiptData {
  readonly id: string;
  readonly version: string;
  readonly acceptedAt: string;
  readonly withdrawnAt: string | null;
}

export interface VerificationAlternativeData {
  readonly kind: AlternativeKind;
  readonly target: string;
  readonly label: string;
}

export interface VerificationOptionsData {
  readonly alternative: VerificationAlternativeData | null;
  readonly contact: string | null;
  readonly minors: MinorsPolicy;
}

export interface ConsentTextQueryData {
  readonly consentText: ConsentTextData | null;
}
export interface ConsentTextQueryVariables {
  readonly kind: ConsentKind;
  /** The app signIn names (appid or FaceGate app id): an app may have texts of its own. */
  readonly app?: string;
}
export interface VerificationOptionsQueryData {
  readonly verificationOptions: VerificationOptionsData;
}
export type NoVariables = Record<string, never>;

export interface AcceptConsentVariables {
  readonly verificationId: string;
  readonly version: string;
}
export interface SessionDecisionVariables {
  readonly verificationId: string;
}
