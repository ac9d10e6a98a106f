/**
 * What the identity page hands to the verify page. In memory only: the name and ID number are never written
 * to wx storage (which persists on the device in clear) and never put in a page URL.
 */
export interface PendingIdentity {
  readonly name: string;
  readonly idCardNumber: string;
}

let identity: PendingIdentity | null = null;
let consentVersion: string | null = null;

export const flowStore = {
  setIdentity(value: PendingIdentity): void {
    identity = value;
  },
  identity(): PendingIdentity | null {
    return identity;
  },
  recordConsent(version: string): void {
    consentVersion = version;
  },
  hasConsent(version: string): boolean {
    return consentVersion === version;
  },
  /** After a verification ends the identity is no longer needed. Consent stays for this app session. */
  forgetIdentity(): void {
    identity = null;
  },
  reset(): void {
    identity = null;
    consentVersion = null;
  },
};
