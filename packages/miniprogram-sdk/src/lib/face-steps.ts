import type { DeviceCapabilities, FaceVerifyClient, LivenessType, MappedFailure } from '@facegate/domain';
import { failureFromClientErrCode } from '@facegate/domain';
import type { GatewayApi } from './gateway-api';
import { GatewayRequestError } from './graphql-client';
import type { ConfirmVerificationInput, VerificationData } from './graphql-types';
import type { PendingIdentity } from './identity-form';
import { failureMessageOf, type UserMessage } from './messages';
import { consentRequiredOf, minorRefusalOf } from './privacy';

/**
 * The steps of one verification, shared by the component's flow and the plain API (createFaceGate), so
 * both choose the protocol, run the face check and recover a confirm the same way.
 */

/** Prefer flash-or-digits (WeChat picks what the light allows); fall back to what the client can run. */
export function chooseLivenessType(capabilities: DeviceCapabilities): LivenessType | undefined {
  const order: LivenessType[] = ['SCREEN_FLASH_OR_READ_DIGITS', 'READ_DIGITS', 'SCREEN_FLASH'];
  return order.find((type) => capabilities.livenessTypes.includes(type));
}

/** The gateway refused the requested protocol (this app is not approved for it there). */
export function isProtocolRejected(error: unknown): boolean {
  return (
    error instanceof GatewayRequestError &&
    error.code === 'BAD_USER_INPUT' &&
    (error.field === 'protocol' || /protocol/i.test(error.message))
  );
}

/** Only the fields that were actually produced: the gateway treats an absent field differently from null. */
export function confirmInputOf(
  id: string,
  outcome: { errCode: number; verifyResult?: string | null; verifyId?: string },
): ConfirmVerificationInput {
  return {
    id,
    // v2: naming the verifyId that ran lets a resend after a lost answer get its own attempt's outcome.
    ...(outcome.verifyId ? { verifyId: outcome.verifyId } : {}),
    ...(outcome.verifyResult ? { verifyResult: outcome.verifyResult } : {}),
    ...(outcome.errCode !== 0 ? { clientErrCode: outcome.errCode } : {}),
  };
}

export const UNSUPPORTED: UserMessage = failureMessageOf('DEVICE_UNSUPPORTED');
export const PARAMS_MISSING: UserMessage = {
  code: 'CLIENT_PARAMS_MISSING',
  text: '核验参数缺失，请返回重新发起核验',
  retryable: false,
};
export const WECHAT_TOO_OLD: UserMessage = {
  code: 'WECHAT_TOO_OLD',
  text: '当前微信版本不支持此核验，请升级微信到最新版本后重试',
  retryable: false,
};

/** v2 when the phone has it (legacy when the gateway is not approved for v2), else legacy. */
export async function startSession(
  api: Pick<GatewayApi, 'startVerification'>,
  identity: PendingIdentity,
  capabilities: DeviceCapabilities,
  /** The consent text version the user agreed to (the gateway refuses a start without it). */
  consentVersion: string | null = null,
): Promise<VerificationData> {
  const livenessType = chooseLivenessType(capabilities);
  const consent = consentVersion ? { consent: { version: consentVersion } } : {};
  const legacy = {
    name: identity.name,
    idCardNumber: identity.idCardNumber,
    protocol: 'LEGACY' as const,
    ...(livenessType ? { livenessType } : {}),
    ...consent,
  };
  if (!capabilities.v2) return api.startVerification(legacy);
  try {
    return await api.startVerification({ ...identity, protocol: 'V2', ...consent });
  } catch (error) {
    if (capabilities.legacy && isProtocolRejected(error)) return api.startVerification(legacy);
    throw error;
  }
}

export type FaceCheckStep =
  | { readonly ok: true; readonly input: ConfirmVerificationInput }
  | { readonly ok: false; readonly message: UserMessage };

/**
 * Runs the check the session asks for and returns what to confirm, or why it cannot run on this phone.
 * `onFaceUi` is called just before WeChat's face UI opens (the page is hidden while it is up).
 */
export async function runFaceCheckFor(
  face: FaceVerifyClient,
  verification: VerificationData,
  capabilities: DeviceCapabilities,
  identity: PendingIdentity | null,
  onFaceUi: () => void = () => undefined,
): Promise<FaceCheckStep> {
  const params = verification.clientParams;
  if (!params) return { ok: false, message: PARAMS_MISSING };
  if (params.__typename === 'V2ClientParams') {
    if (!capabilities.v2) return { ok: false, message: WECHAT_TOO_OLD };
    onFaceUi();
    const outcome = await face.runV2Check({ verifyId: params.verifyId });
    return {
      ok: true,
      input: confirmInputOf(verification.id, { errCode: outcome.errCode, verifyId: params.verifyId }),
    };
  }
  if (!capabilities.legacy) return { ok: false, message: UNSUPPORTED };
  const support = await face.checkSupport(params.checkAliveType);
  if (!support.supported) return { ok: false, message: UNSUPPORTED };
  const who = params.userIdKey
    ? { userIdKey: params.userIdKey }
    : params.name && params.idCardNumber
      ? { name: params.name, idCardNumber: params.idCardNumber }
      : identity
        ? { name: identity.name, idCardNumber: identity.idCardNumber }
        : null;
  if (!who) return { ok: false, message: PARAMS_MISSING };
  onFaceUi();
  const outcome = await face.runLegacyCheck({ checkAliveType: params.checkAliveType, ...who });
  return { ok: true, input: confirmInputOf(verification.id, outcome) };
}

/** The gateway refused a failed check's report as input: the phone's own errCode says what went wrong. */
export class ClientCheckFailure extends Error {
  constructor(readonly failure: MappedFailure) {
    super(`face check failed on the phone: ${failure.code}`);
    this.name = 'ClientCheckFailure';
  }
}

/**
 * Confirms the evidence. CONFLICT means our earlier request did arrive (or the session ended meanwhile):
 * the session, re-read, is the answer. Network errors are thrown as they are, so the caller can re-send.
 */
export async function confirmWithRecovery(
  api: Pick<GatewayApi, 'confirmVerification' | 'verification'>,
  input: ConfirmVerificationInput,
): Promise<VerificationData> {
  try {
    return await api.confirmVerification(input);
  } catch (error) {
    if (!(error instanceof GatewayRequestError)) throw error;
    if (error.code === 'CONFLICT') {
      const current = await api.verification(input.id);
      if (current) return current;
    }
    if (
      error.code === 'BAD_USER_INPUT' &&
      input.clientErrCode !== undefined &&
      !consentRequiredOf(error) &&
      !minorRefusalOf(error)
    ) {
      throw new ClientCheckFailure(failureFromClientErrCode(input.clientErrCode));
    }
    throw error;
  }
}
