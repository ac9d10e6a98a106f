/** The consent steps StartVerification and AcceptConsent share. */
import { err, ok, type Result } from '../shared/result.js';
import type { VerificationDeps } from '../use-cases/verification-deps.js';
import type { ConsentKind, ConsentReceipt, ConsentText } from './consent.js';
import { ConsentRequiredError } from './privacy.errors.js';

export const consentKindFor = (guardianRequired: boolean): ConsentKind =>
  guardianRequired ? 'GUARDIAN' : 'STANDARD';

/**
 * The current text of `kind` for `app` (its own, else the deployment's) when `version` names it: a missing,
 * unknown or outdated version, a text of the other kind or another app's text is CONSENT_REQUIRED with the
 * version this app's users are shown now.
 */
export async function requireCurrentText(
  deps: Pick<VerificationDeps, 'consent'>,
  kind: ConsentKind,
  version: string | null | undefined,
  app: string,
): Promise<Result<ConsentText, ConsentRequiredError>> {
  const current = await deps.consent.texts.current(kind, app);
  if (current === null || typeof version !== 'string' || version !== current.version) {
    return err(new ConsentRequiredError(current?.version ?? null, kind));
  }
  return ok(current);
}

export async function recordReceipt(
  deps: Pick<VerificationDeps, 'consent' | 'digests' | 'ids'>,
  accepted: { sessionId: string; openid: string; text: ConsentText; now: Date; clientAddress: string | null },
): Promise<ConsentReceipt> {
  const receipt: ConsentReceipt = {
    id: deps.ids.receiptId(),
    sessionId: accepted.sessionId,
    openidHmac: deps.digests.hmacHex('openid', accepted.openid),
    version: accepted.text.version,
    textSha256: accepted.text.sha256,
    purpose: accepted.text.purpose,
    guardian: accepted.text.kind === 'GUARDIAN',
    acceptedAt: accepted.now,
    clientAddressHmac:
      accepted.clientAddress === null ? null : deps.digests.hmacHex('client-address', accepted.clientAddress),
    withdrawnAt: null,
  };
  await deps.consent.receipts.record(receipt);
  return receipt;
}
