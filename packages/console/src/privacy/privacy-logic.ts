/** The console's privacy rules as plain functions (tested without a browser). */

/** The redaction goes ahead only when the operator typed the session's id exactly (spaces around ignored). */
export function redactionConfirmed(typed: string, sessionId: string): boolean {
  return typed.trim() === sessionId;
}

/** How far towards the filing threshold, 0-1 (1 once reached); null when the threshold is not positive. */
export function filingShare(distinctPeople: number, threshold: number): number | null {
  if (!(threshold > 0)) return null;
  return Math.min(1, Math.max(0, distinctPeople / threshold));
}

const VERSION = /^[A-Za-z0-9._-]{1,32}$/;

export interface PublishForm {
  readonly version: string;
  readonly kind: string;
  readonly purpose: string;
  readonly textZh: string;
  readonly textEn: string;
}

export type PublishProblem = 'versionRule' | 'required';

export interface PublishInput {
  readonly version: string;
  readonly kind: 'STANDARD' | 'GUARDIAN';
  readonly purpose: string;
  readonly textZh: string;
  readonly textEn: string | null;
}

/**
 * The publish form as the mutation's input, or what is wrong with it (the gateway checks again; this spares
 * the operator a round trip). An empty English text is no English text.
 */
export function publishInputOf(
  form: PublishForm,
): { ok: true; input: PublishInput } | { ok: false; field: keyof PublishForm; problem: PublishProblem } {
  const version = form.version.trim();
  if (!VERSION.test(version)) return { ok: false, field: 'version', problem: 'versionRule' };
  if (form.purpose.trim() === '') return { ok: false, field: 'purpose', problem: 'required' };
  if (form.textZh.trim() === '') return { ok: false, field: 'textZh', problem: 'required' };
  return {
    ok: true,
    input: {
      version,
      kind: form.kind === 'GUARDIAN' ? 'GUARDIAN' : 'STANDARD',
      purpose: form.purpose.trim(),
      textZh: form.textZh,
      textEn: form.textEn.trim() === '' ? null : form.textEn,
    },
  };
}
