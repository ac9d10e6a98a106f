/** Hand-written result types of the operations in graphql-operations.ts (the gateway's schema.graphql). */
import type { CancelReason, ConsentReceiptData } from './privacy-types';

export type VerificationProtocol = 'LEGACY' | 'V2';
export type LivenessType = 'READ_DIGITS' | 'SCREEN_FLASH' | 'SCREEN_FLASH_OR_READ_DIGITS';
export type VerificationStatus = 'PENDING' | 'VERIFIED' | 'FAILED' | 'CANCELED' | 'EXPIRED';

export interface VerificationErrorData {
  readonly code: string;
  readonly message: string;
  readonly retryable: boolean;
  readonly upstreamCode: number | null;
}

export interface LegacyClientParamsData {
  readonly __typename: 'LegacyClientParams';
  readonly checkAliveType: number;
  readonly name: string | null;
  readonly idCardNumber: string | null;
  readonly userIdKey: string | null;
}

export interface V2ClientParamsData {
  readonly __typename: 'V2ClientParams';
  readonly verifyId: string;
}

export type ClientParamsData = LegacyClientParamsData | V2ClientParamsData;

export interface VerificationData {
  readonly id: string;
  readonly status: VerificationStatus;
  readonly protocol: VerificationProtocol;
  readonly livenessType: LivenessType | null;
  readonly maskedName: string;
  readonly maskedIdCardNumber: string;
  readonly attempts: number;
  readonly maxAttempts: number;
  readonly lastError: VerificationErrorData | null;
  readonly expiresAt: string;
  readonly verifiedAt: string | null;
  /** The holder is under 14 and a guardian's consent (a GUARDIAN text) is needed. */
  readonly guardianRequired: boolean;
  readonly cancelReason: CancelReason | null;
  readonly consentReceipt: ConsentReceiptData | null;
  readonly clientParams: ClientParamsData | null;
}

export interface SignInData {
  readonly signIn: { readonly token: string; readonly expiresAt: string };
}
export interface SignInVariables {
  readonly code: string;
  /** The mini program's WeChat appid or a FaceGate app id; absent: the gateway's default app. */
  readonly app?: string;
}

export interface StartVerificationInput {
  readonly name: string;
  readonly idCardNumber: string;
  readonly protocol?: VerificationProtocol;
  readonly livenessType?: LivenessType;
  /** The consent text version the user agreed to (the gateway records a receipt). */
  readonly consent?: { readonly version: string };
}
export interface StartVerificationData {
  readonly startVerification: VerificationData;
}
export interface StartVerificationVariables {
  readonly input: StartVerificationInput;
}

export interface ConfirmVerificationInput {
  readonly id: string;
  readonly verifyId?: string;
  readonly verifyResult?: string;
  readonly clientErrCode?: number;
}
export interface ConfirmVerificationData {
  readonly confirmVerification: VerificationData;
}
export interface ConfirmVerificationVariables {
  readonly input: ConfirmVerificationInput;
}

export interface CancelVerificationData {
  readonly cancelVerification: VerificationData;
}
export interface CancelVerificationVariables {
  readonly id: string;
}

export interface GetVerificationData {
  readonly verification: VerificationData | null;
}
export interface GetVerificationVariables {
  readonly id: string;
}

export interface GatewayInfoData {
  readonly gatewayInfo: { readonly sandbox: boolean };
}
export type GatewayInfoVariables = Record<string, never>;

export interface SandboxTestIdentityData {
  readonly scenario: string;
  readonly name: string;
  readonly idCardNumber: string;
  readonly note: string;
}
export interface SandboxDeviceData {
  readonly sandboxDevice: {
    readonly url: string;
    readonly openid: string;
    /** The appid of the app the user signed in to: the sandbox runs the check as that mini program. */
    readonly appId?: string | null;
    readonly identities: readonly SandboxTestIdentityData[];
  } | null;
}
export type SandboxDeviceVariables = Record<string, never>;
