import type { ConsentKind } from './consent-kind.js';

/**
 * No acceptable consent: none given, an unknown or outdated version, or the wrong kind of text. Carries the
 * version to show now, so a client can show it and try again.
 */
export class ConsentRequiredError extends Error {
  readonly code = 'CONSENT_REQUIRED' as const;
  constructor(
    /** The current version of the kind this session needs; null when the operator has published none. */
    readonly currentVersion: string | null,
    readonly kind: ConsentKind,
  ) {
    super('consent to the current text is required before the face check');
    this.name = 'ConsentRequiredError';
  }
}

/** The holder is under 14 and the deployment refuses minors (FACEGATE_MINORS=refuse). */
export class MinorNeedsGuardianError extends Error {
  readonly code = 'MINOR_NEEDS_GUARDIAN' as const;
  readonly messageZh =
    '未满十四周岁的用户需由监护人陪同并同意后方可进行人脸核身，请使用其他方式验证或联系客服。';
  constructor() {
    super(
      'the holder of this ID number is under 14: face verification needs a guardian; use the other way to verify',
    );
    this.name = 'MinorNeedsGuardianError';
  }
}

/** A consent text with this version exists with different content: published texts never change. */
export class ConsentVersionExistsError extends Error {
  readonly code = 'CONSENT_VERSION_EXISTS' as const;
  constructor(readonly version: string) {
    super(
      'a consent text with this version was already published with different content; publish a new version',
    );
    this.name = 'ConsentVersionExistsError';
  }
}
