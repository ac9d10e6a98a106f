/** One reserved identity of the sandbox: typing it, or picking its scenario, makes the face check end so. */
export interface SandboxTestIdentityInfo {
  readonly scenario: string;
  readonly name: string;
  readonly idCardNumber: string;
  readonly note: string;
}

/**
 * Sandbox mode only: where the sandbox's device routes answer (the WeChat client's side of a face check) and
 * its test identities, for a mini program in WeChat DevTools, where the face APIs need an approved AppID.
 * The composition root builds it from the running sandbox; outside sandbox mode there is none (null).
 */
export interface SandboxDevice {
  readonly url: string;
  readonly identities: readonly SandboxTestIdentityInfo[];
}
