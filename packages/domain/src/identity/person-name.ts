import { err, ok, type Result } from '../shared/result.js';
import { type IdentityValidationError, identityValidationError, type NameRule } from './identity.errors.js';

export const MIDDLE_DOT = '\u00b7';
/** Dots people type for the separator in minority names (·); all become U+00B7, as printed on ID cards. */
const DOT_VARIANTS = /\s*[\u00b7\u2022\u2027\u30fb\uff65\ufe52\uff0e]\s*/g;
export const NAME_MIN_LENGTH = 2;
export const NAME_MAX_LENGTH = 30;
const NAME_CHAR = /^[\p{L}\p{M}]$/u;

/** A person's name as on a resident ID card: trimmed, NFC, one kind of middle dot. */
export class PersonName {
  private constructor(readonly value: string) {}

  static parse(input: string): Result<PersonName, IdentityValidationError> {
    const fail = (rule: NameRule) => err(identityValidationError('name', rule));
    if (typeof input !== 'string') return fail('NAME_REQUIRED');
    // Bounded before normalizing, so a huge input costs nothing.
    if (input.length > NAME_MAX_LENGTH * 4) return fail('NAME_TOO_LONG');
    const value = input.normalize('NFC').trim().replace(DOT_VARIANTS, MIDDLE_DOT);
    if (value === '') return fail('NAME_REQUIRED');
    const chars = [...value];
    // A combining mark cannot start a name: it would have nothing to combine with.
    if (chars.some((c) => c !== MIDDLE_DOT && !NAME_CHAR.test(c)) || /^\p{M}/u.test(value)) {
      return fail('NAME_CHARACTERS');
    }
    if (
      chars[0] === MIDDLE_DOT ||
      chars[chars.length - 1] === MIDDLE_DOT ||
      value.includes(MIDDLE_DOT + MIDDLE_DOT)
    ) {
      return fail('NAME_MIDDLE_DOT');
    }
    if (chars.length < NAME_MIN_LENGTH) return fail('NAME_TOO_SHORT');
    if (chars.length > NAME_MAX_LENGTH) return fail('NAME_TOO_LONG');
    return ok(new PersonName(value));
  }

  /** For display: the first character, then one * per remaining character (张三 -> 张*). */
  masked(): string {
    const chars = [...this.value];
    return chars[0] + '*'.repeat(chars.length - 1);
  }

  toString(): string {
    return this.masked();
  }

  toJSON(): string {
    return this.masked();
  }
}
