/**
 * Decides whether a start that passed validation may go to WeChat (abuse limits per user and ID number).
 * Asked only after every input rule held, so refused input never uses up anybody's allowance.
 */
export interface StartAdmission {
  /**
   * Counts this start and answers the seconds to wait (0 = go ahead). `idNumberHmac` is
   * IdentityDigests.hmacHex('id-number', the normalized number): the raw number never leaves the domain.
   */
  admit(request: { readonly openid: string; readonly idNumberHmac: string }): Promise<number>;
}

/** Admits everything: the default when no limits are configured (tests, the domain alone). */
export const ADMIT_ALL: StartAdmission = { admit: async () => 0 };
