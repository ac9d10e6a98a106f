import {
  AcceptConsent,
  ConfirmVerification,
  type ConfirmVerificationCommand,
  StartVerification,
  type StartVerificationCommand,
  type VerificationDeps,
  type VerificationSessionSnapshot,
} from '@facegate/domain';
import { aValidIdentity, TEST_CONSENT_VERSION, TEST_OPENID } from '@facegate/domain/testing';

export const identity = aValidIdentity();

export async function start(
  deps: VerificationDeps,
  overrides: Partial<StartVerificationCommand> = {},
): Promise<VerificationSessionSnapshot> {
  const result = await new StartVerification(deps).execute({
    openid: TEST_OPENID,
    name: identity.name,
    idCardNumber: identity.idCardNumber,
    protocol: 'LEGACY',
    initiator: 'user',
    consent: overrides.initiator && overrides.initiator !== 'user' ? null : { version: TEST_CONSENT_VERSION },
    ...overrides,
  });
  if (!result.ok) throw result.error;
  return result.value;
}

export const confirm = (deps: VerificationDeps, command: ConfirmVerificationCommand) =>
  new ConfirmVerification(deps).execute(command);

/** The session of a result that must be ok. */
export function value<T>(result: { ok: true; value: T } | { ok: false; error: unknown }): T {
  if (!result.ok) throw new Error(`expected ok, got ${String((result.error as Error)?.name)}`);
  return result.value;
}

/** The error of a result that must have failed. */
export function error<E>(result: { ok: true; value: unknown } | { ok: false; error: E }): E {
  if (result.ok) throw new Error('expected an error result');
  return result.error;
}

/** The user accepts the current consent text on a session a service started (so the face check may run). */
export async function acceptConsent(
  deps: VerificationDeps,
  session: VerificationSessionSnapshot,
): Promise<VerificationSessionSnapshot> {
  const accepted = await new AcceptConsent(deps).execute({
    sessionId: session.id,
    version: TEST_CONSENT_VERSION,
    openid: session.openid,
  });
  if (!accepted.ok) throw accepted.error;
  return accepted.value.session;
}
