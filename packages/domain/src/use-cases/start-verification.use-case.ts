import { type AppDirectory, DEFAULT_APP, unknownAppError } from '../apps/app.js';
import { certHashInput } from '../identity/cert-hash.js';
import { PersonName } from '../identity/person-name.js';
import { ResidentIdNumber } from '../identity/resident-id-number.js';
import { ADMIT_ALL } from '../ports/start-admission.port.js';
import { consentKindFor, recordReceipt, requireCurrentText } from '../privacy/consent-steps.js';
import { isUnderGuardianAge } from '../privacy/minors.js';
import { MinorNeedsGuardianError } from '../privacy/privacy.errors.js';
import { err, ok, type Result } from '../shared/result.js';
import { isTransientUpstreamErrcode } from '../verification/failure-taxonomy.js';
import { DEFAULT_LIVENESS_TYPE, type LivenessType } from '../verification/liveness-type.js';
import {
  InvalidInputError,
  RateLimitedError,
  UpstreamProtocolError,
  UpstreamRejectedError,
  UpstreamUnavailableError,
  type VerificationCommandError,
} from '../verification/verification.errors.js';
import { USER_INITIATOR, type VerificationProtocol } from '../verification/verification.types.js';
import { VerificationSession } from '../verification/verification-session.js';
import type {
  PreparedV2Attempt,
  SessionBinding,
  VerificationSessionSnapshot,
} from '../verification/verification-session.types.js';
import {
  checkClientReferenceId,
  checkLivenessType,
  checkOpenid,
  checkProtocol,
} from './command-validation.js';
import { updatedEvent } from './session-store.js';
import type { VerificationDeps } from './verification-deps.js';

export interface StartVerificationCommand {
  /** The app (mini program) the user belongs to; default DEFAULT_APP. */
  readonly app?: string;
  /** The user to verify (the signed-in user, or the openid a service names), within the app. */
  readonly openid: string;
  readonly name: string;
  readonly idCardNumber: string;
  readonly protocol: VerificationProtocol;
  /** Legacy only; default SCREEN_FLASH_OR_READ_DIGITS. Given for V2 it is an InvalidInputError. */
  readonly livenessType?: LivenessType | null;
  readonly clientReferenceId?: string | null;
  /** 'user', or the id of the service API key that started it. */
  readonly initiator: string;
  /** Where a user's request came from (see AdmissionSubject.clientAddress); null or omitted when unknown. */
  readonly clientAddress?: string | null;
  /**
   * The consent text version the user accepted on the device; required when the user starts for themselves
   * (a receipt is recorded before anything is prepared). A service's start takes none: its user accepts on
   * the device (AcceptConsent) before the face check can run.
   */
  readonly consent?: { readonly version: string } | null;
}

/** How many of a user's VERIFIED sessions, newest first, are looked at for "verified this number before". */
const VERIFIED_SESSIONS_LOOKED_AT = 50;

/** getverifyid's documented verify_id lifetime, used if WeChat omits expires_in. */
const DEFAULT_VERIFY_ID_LIFETIME_S = 3600;

const identityError = (e: { field: string; rule: string; message: string; messageZh: string }) =>
  new InvalidInputError(e.field, e.rule, e.message, e.messageZh);

/** Validates the identity, prepares the upstream side (getuseridkey / getverifyid) and stores the session. */
export class StartVerification {
  constructor(private readonly deps: VerificationDeps) {}

  async execute(
    command: StartVerificationCommand,
  ): Promise<Result<VerificationSessionSnapshot, VerificationCommandError>> {
    const { deps } = this;
    const now = deps.clock.now();
    const name = PersonName.parse(command.name);
    if (!name.ok) return err(identityError(name.error));
    const idNumber = ResidentIdNumber.parse(command.idCardNumber, now);
    if (!idNumber.ok) return err(identityError(idNumber.error));
    const invalid =
      checkOpenid(command.openid) ??
      checkProtocol(command.protocol) ??
      checkLivenessType(command.protocol, command.livenessType) ??
      checkClientReferenceId(command.clientReferenceId);
    if (invalid) return err(invalid);
    const app = command.app ?? DEFAULT_APP;
    const appRefused = checkAppServes(deps.apps, app, command.protocol);
    if (appRefused) return err(appRefused);

    const selfStart = command.initiator === USER_INITIATOR;
    if (!selfStart && command.consent != null) {
      return err(
        new InvalidInputError(
          'consent',
          'CONSENT_FROM_USER',
          'the user gives consent on the device, not a service',
        ),
      );
    }
    const guardianRequired = isUnderGuardianAge(idNumber.value.birthDate, now);
    if (guardianRequired && deps.consent.minors === 'refuse') return err(new MinorNeedsGuardianError());
    // Before anything is counted or sent to WeChat: without consent nothing about this person is processed.
    const kind = consentKindFor(guardianRequired);
    const text = selfStart ? await requireCurrentText(deps, kind, command.consent?.version, app) : null;
    if (text && !text.ok) return text;

    const idNumberHmac = deps.digests.hmacHex('id-number', idNumber.value.value);
    // while a secret rotation runs, the number's HMACs under the older secrets: rows made before still match
    const previousIdNumberHmacs = deps.digests.previousHmacHex?.('id-number', idNumber.value.value) ?? [];
    // Counted only now: input refused above uses up nobody's allowance. A service's start is never counted
    // nor refused by the abuse limits: users could otherwise lock a business backend out (StartAdmission).
    if (command.initiator === USER_INITIATOR) {
      const wait = await (deps.admission ?? ADMIT_ALL).admit({
        app,
        openid: command.openid,
        idNumberHmac,
        ...(previousIdNumberHmacs.length > 0 ? { previousIdNumberHmacs } : {}),
        clientAddress: command.clientAddress ?? null,
        verifiedBefore: () =>
          this.verifiedBefore(app, command.openid, [idNumberHmac, ...previousIdNumberHmacs]),
      });
      if (wait > 0) return err(new RateLimitedError(wait));
    }

    const id = deps.ids.sessionId();
    const prepared = await this.prepare({ ...command, app }, name.value, idNumber.value, now);
    if (!prepared.ok) return prepared;
    const receipt = text
      ? await recordReceipt(deps, {
          sessionId: id,
          openid: command.openid,
          text: text.value,
          now,
          clientAddress: command.clientAddress ?? null,
        })
      : null;
    const session = VerificationSession.start({
      id,
      app,
      openid: command.openid,
      livenessType: command.protocol === 'LEGACY' ? (command.livenessType ?? DEFAULT_LIVENESS_TYPE) : null,
      maskedName: name.value.masked(),
      maskedIdCardNumber: idNumber.value.masked(),
      idNumberHmac,
      binding: prepared.value.binding,
      maxAttempts: deps.settings.maxAttempts,
      createdAt: now,
      expiresAt: prepared.value.expiresAt,
      clientReferenceId: command.clientReferenceId ?? null,
      initiator: command.initiator,
      consentReceiptId: receipt?.id ?? null,
      guardianRequired,
    });
    const event = updatedEvent(session, now);
    await deps.repository.insert(session.snapshot, event);
    await deps.events.publish(event);
    return ok(session.snapshot);
  }

  /** Whether this openid has a VERIFIED session for this ID number (the latest few are looked at). */
  private async verifiedBefore(
    app: string,
    openid: string,
    idNumberHmacs: readonly string[],
  ): Promise<boolean> {
    const page = await this.deps.repository.list(
      { app, openid, status: 'VERIFIED' },
      VERIFIED_SESSIONS_LOOKED_AT,
      null,
    );
    return page.items.some((s) => idNumberHmacs.includes(s.idNumberHmac));
  }

  private async prepare(
    command: StartVerificationCommand & { readonly app: string },
    name: PersonName,
    idNumber: ResidentIdNumber,
    now: Date,
  ): Promise<Result<{ binding: SessionBinding; expiresAt: Date }, UpstreamRejectedError>> {
    const { deps } = this;
    const ttlEnd = now.getTime() + deps.settings.sessionTtlMs;
    const lifetimeEnd = (seconds: number, fallback: number) =>
      now.getTime() + (seconds > 0 ? seconds : fallback) * 1000;
    if (command.protocol === 'LEGACY') {
      const answer = await deps.provider.prepare({
        protocol: 'LEGACY',
        app: command.app,
        name: name.value,
        idCardNumber: idNumber.value,
      });
      const rejected = upstreamRejection(answer.errcode);
      if (rejected) return err(rejected);
      if (!answer.userIdKey)
        throw new UpstreamProtocolError('getuseridkey answered errcode 0 without user_id_key');
      // The client passes userIdKey to the JSAPI, so the session must not outlive it either.
      const keyEnd = lifetimeEnd(answer.expiresInSeconds, Number.POSITIVE_INFINITY);
      return ok({
        binding: {
          protocol: 'LEGACY',
          idCardNumberMd5: deps.digests.md5Hex(idNumber.value),
          nameUtf8Md5: deps.digests.md5Hex(name.value),
          userIdKey: answer.userIdKey,
        },
        expiresAt: new Date(Math.min(ttlEnd, keyEnd)),
      });
    }
    // Every attempt needs its own verifyId, and getverifyid needs the raw name and ID number, which FaceGate
    // never keeps: so all attempts are prepared now, at the cost of up to maxAttempts calls per session.
    const { maxAttempts } = deps.settings;
    if (!Number.isInteger(maxAttempts) || maxAttempts < 1) {
      throw new RangeError('maxAttempts must be a positive integer');
    }
    const outSeqNos = Array.from({ length: maxAttempts }, () => deps.ids.outSeqNo());
    const answers = await Promise.all(
      outSeqNos.map((outSeqNo) =>
        deps.provider.prepare({
          protocol: 'V2',
          app: command.app,
          openid: command.openid,
          outSeqNo,
          name: name.value,
          idCardNumber: idNumber.value,
        }),
      ),
    );
    // All answers are judged before any is used: a transient code anywhere throws, then any refusal returns.
    const rejected = answers.map((answer) => upstreamRejection(answer.errcode)).find((r) => r !== null);
    if (rejected) return err(rejected);
    const attempts: PreparedV2Attempt[] = answers.map((answer, i) => {
      if (!answer.verifyId)
        throw new UpstreamProtocolError('getverifyid answered errcode 0 without verify_id');
      return {
        outSeqNo: outSeqNos[i]!,
        verifyId: answer.verifyId,
        verifyIdExpiresAt: new Date(lifetimeEnd(answer.expiresInSeconds, DEFAULT_VERIFY_ID_LIFETIME_S)),
      };
    });
    const [current, ...spares] = attempts as [PreparedV2Attempt, ...PreparedV2Attempt[]];
    const earliest = Math.min(...attempts.map((a) => a.verifyIdExpiresAt.getTime()));
    return ok({
      binding: {
        protocol: 'V2',
        certHash: deps.digests.sha256Hex(certHashInput('IDENTITY_CARD', name.value, idNumber.value)),
        ...current,
        spares,
      },
      expiresAt: new Date(Math.min(ttlEnd, earliest)),
    });
  }
}

/** Transient codes are infrastructure (thrown); any other non-zero errcode is WeChat saying no. */
export function upstreamRejection(errcode: number): UpstreamRejectedError | null {
  if (errcode === 0) return null;
  if (isTransientUpstreamErrcode(errcode)) throw new UpstreamUnavailableError('WeChat is busy', errcode);
  return new UpstreamRejectedError(errcode);
}

/**
 * With a directory: the app must be served and enabled, and approved for the protocol. Without one (the domain
 * alone, tests) every app and protocol is accepted.
 */
function checkAppServes(
  apps: AppDirectory | undefined,
  app: string,
  protocol: VerificationProtocol,
): InvalidInputError | null {
  if (!apps) return null;
  const found = apps.get(app);
  if (!found || found.disabled) return unknownAppError();
  return found.protocols.includes(protocol)
    ? null
    : new InvalidInputError(
        'protocol',
        'PROTOCOL_NOT_APPROVED',
        `this app is approved for ${found.protocols.join(' and ')} only`,
        '该小程序未开通此核身方式',
      );
}
