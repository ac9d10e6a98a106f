import { err, ok, type Result } from '../shared/result.js';
import { type IdentityValidationError, identityValidationError } from './identity.errors.js';

/**
 * Province-level codes (GB/T 2260) that issue mainland resident ID cards. 71 (Taiwan), 81/82/83 (residence
 * permits of Hong Kong, Macao and Taiwan residents) are deliberately excluded: WeChat face verification only
 * accepts mainland second-generation resident ID cards.
 */
export const RESIDENT_ID_PROVINCE_CODES: ReadonlySet<string> = new Set(
  [
    [11, 15],
    [21, 23],
    [31, 37],
    [41, 46],
    [50, 54],
    [61, 65],
  ].flatMap(([from, to]) => {
    const codes: string[] = [];
    for (let c = from!; c <= to!; c++) codes.push(String(c));
    return codes;
  }),
);

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2] as const;
const CHECK_CHARS = '10X98765432';
/** Nobody alive was born before this; older dates are typos. */
const EARLIEST_BIRTH_YEAR = 1900;
/** Birth dates are Chinese calendar days: "today" is judged in UTC+8 (China has no DST). */
const CHINA_OFFSET_MS = 8 * 3600_000;

/** ISO 7064 MOD 11-2 check character of the first 17 digits. */
export function residentIdCheckChar(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * WEIGHTS[i]!;
  return CHECK_CHARS[sum % 11]!;
}

/** Trim, full-width forms to ASCII, lower-case x to X. */
export function normalizeResidentIdInput(input: string): string {
  let out = '';
  for (const ch of input) {
    const cp = ch.codePointAt(0)!;
    if (cp >= 0xff01 && cp <= 0xff5e) out += String.fromCharCode(cp - 0xfee0);
    else if (cp === 0x3000) out += ' ';
    else out += ch;
  }
  return out.trim().replace(/x/g, 'X');
}

function isRealDate(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]!;
  return day <= days;
}

function chinaDateDigits(at: Date): string {
  const d = new Date(at.getTime() + CHINA_OFFSET_MS);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}`;
}

/** An 18-character resident ID number (GB 11643-1999), normalized and checked. */
export class ResidentIdNumber {
  private constructor(
    /** Normalized: 18 ASCII characters, a final X upper-case. */
    readonly value: string,
  ) {}

  /** `today` decides whether the birth date is in the future (default: the current time). */
  static parse(input: string, today: Date = new Date()): Result<ResidentIdNumber, IdentityValidationError> {
    const fail = (rule: Parameters<typeof identityValidationError>[1]) =>
      err(identityValidationError('idCardNumber', rule));
    if (typeof input !== 'string') return fail('ID_REQUIRED');
    // Bounded before any work: nobody types 64 characters into an ID field.
    if (input.length > 64) return fail('ID_LENGTH');
    const value = normalizeResidentIdInput(input);
    if (value === '') return fail('ID_REQUIRED');
    if (/^\d{15}$/.test(value)) return fail('ID_LEGACY_15_DIGIT');
    if ([...value].length !== 18) return fail('ID_LENGTH');
    if (!/^\d{17}[\dX]$/.test(value)) return fail('ID_CHARACTERS');
    if (!RESIDENT_ID_PROVINCE_CODES.has(value.slice(0, 2))) return fail('ID_PROVINCE');
    const birth = value.slice(6, 14);
    const year = Number(birth.slice(0, 4));
    if (
      year < EARLIEST_BIRTH_YEAR ||
      !isRealDate(year, Number(birth.slice(4, 6)), Number(birth.slice(6, 8)))
    ) {
      return fail('ID_BIRTH_DATE');
    }
    if (birth > chinaDateDigits(today)) return fail('ID_BIRTH_DATE_IN_FUTURE');
    if (residentIdCheckChar(value) !== value[17]) return fail('ID_CHECK_DIGIT');
    return ok(new ResidentIdNumber(value));
  }

  get provinceCode(): string {
    return this.value.slice(0, 2);
  }

  /** YYYY-MM-DD. */
  get birthDate(): string {
    return `${this.value.slice(6, 10)}-${this.value.slice(10, 12)}-${this.value.slice(12, 14)}`;
  }

  /** For display: the first 4 and last 4 characters, e.g. 1101**********002X. */
  masked(): string {
    return `${this.value.slice(0, 4)}${'*'.repeat(10)}${this.value.slice(14)}`;
  }

  /** Never the number itself, so it cannot leak through logs or string interpolation. */
  toString(): string {
    return this.masked();
  }

  toJSON(): string {
    return this.masked();
  }
}
