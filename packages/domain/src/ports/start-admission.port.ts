/** Who is asking, for which ID number, from where: what the abuse limits are keyed on. */
export interface AdmissionSubject {
  /** The app: every limit counts per app (an openid means something only within its app). */
  readonly app: string;
  /** The user being verified. */
  readonly openid: string;
  /** IdentityDigests.hmacHex('id-number', the normalized number): the raw number never leaves the domain. */
  readonly idNumberHmac: string;
  /**
   * The client's address as the gateway keys it (opaque to the domain; adapters store only a keyed hash of
   * it), or null when it is not known (then no address rule applies).
   */
  readonly clientAddress: string | null;
}

export interface StartAdmissionRequest extends AdmissionSubject {
  /**
   * While a secret rotation runs: the ID number's HMACs under the older secrets still live (in
   * FACEGATE_SECRET_FALLBACKS order), so counts made before the rotation still count: a rotation resets no
   * per-ID-number limit. Absent or empty otherwise.
   */
  readonly previousIdNumberHmacs?: readonly string[];
  /**
   * Whether this openid has verified this ID number before. Asked only when the number's mismatch ceiling
   * would refuse the start, so the common path costs no repository read.
   */
  verifiedBefore(): Promise<boolean>;
}

/**
 * Abuse limits on starts a signed-in user asks for, after every input rule held (so refused input uses up
 * nobody's allowance). Services (API keys) are never asked: what a business backend starts is never
 * counted against, nor refused by, anything users can fill.
 *
 * Why these rules: a ceiling on bare starts per ID number, all users together, let eight accounts lock a
 * stranger's number out for the day (any valid-looking name passes validation), the owner and the
 * business's backend included. A limit keyed on the victim's identifier that strangers can fill is a
 * denial-of-service tool; so every limit here restrains only those who filled it.
 *
 * - Per openid (a day) and per ID number and openid (a minute, a day): each user's own allowance. Strangers
 *   cannot use up another user's, and one account hammering many ID numbers is stopped by its daily limit.
 * - Per ID number, all users together, the face or identity mismatches (ID_NUMBER_MISMATCH, FACE_MISMATCH)
 *   recorded by ConfirmVerification through `recordMismatch`: each is a face check run on a device
 *   against that number and failed, the trace hammering leaves. Starts are not counted there at all.
 * - Once a number's mismatches reach the daily ceiling, the openids and client addresses that produced
 *   them are refused for that number until the day ends, and nobody else: an openid that has not produced
 *   one from an address that has not still starts, and so does an openid that verified this number before
 *   (the owner; looked up only at that point, so the common path costs no extra read). The number itself is
 *   never refused. Past the ceiling each further hammering session costs a fresh account and address.
 *
 * What this does not do, and the price of never locking the number: a caller that never confirms its
 * failed checks leaves no mismatch, and is bounded by its own limits only; a caller may start from one
 * address and confirm from another (the confirming one is counted). An owner who never verified and whose
 * own account or address produced a mismatch that day waits for the next one, or is started by the
 * business's backend, which is never refused.
 */
export interface StartAdmission {
  /** Counts this start against the user's own limits; answers the seconds to wait (0 = go ahead). */
  admit(request: StartAdmissionRequest): Promise<number>;
  /** An attempt that failed with a face or identity mismatch, on a session a user started. */
  recordMismatch(subject: AdmissionSubject): Promise<void>;
}

/** Admits everything: the default when no limits are configured (tests, the domain alone). */
export const ADMIT_ALL: StartAdmission = { admit: async () => 0, recordMismatch: async () => {} };
