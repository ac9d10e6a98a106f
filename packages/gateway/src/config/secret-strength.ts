import { deflateRawSync } from 'node:zlib';
import { ConfigError, type Env, read } from './env';

export const MIN_SECRET_LENGTH = 32;
/**
 * The least estimated entropy FACEGATE_SECRET may have (see estimateSecretBits). Below 128 on purpose: the
 * estimate runs low on short strings, and base64 of 24 random bytes (32 characters, 192 real bits) averages
 * about 163 by it with rare draws near 128; weak secrets (one character repeated, a word repeated) score
 * far lower.
 */
export const MIN_SECRET_BITS = 120;

/** Length x Shannon entropy of the characters' own frequencies, Miller-Madow corrected, in bits. */
function shannonBits(chars: readonly string[]): number {
  const counts = new Map<string, number>();
  for (const c of chars) counts.set(c, (counts.get(c) ?? 0) + 1);
  let perChar = 0;
  for (const count of counts.values()) {
    const p = count / chars.length;
    perChar -= p * Math.log2(p);
  }
  // the plain estimate runs low on short strings: (distinct characters - 1) / (2 ln 2) bits make up for it
  return chars.length * perChar + (counts.size - 1) / (2 * Math.LN2);
}

/** The shortest unit the string is made of, repeated at least twice ("abcabcab" -> "abc"); else itself. */
function repeatingUnit(chars: readonly string[]): readonly string[] {
  // KMP failure function: the longest proper border gives the smallest period
  const border = new Array<number>(chars.length).fill(0);
  for (let i = 1, k = 0; i < chars.length; i++) {
    while (k > 0 && chars[i] !== chars[k]) k = border[k - 1]!;
    if (chars[i] === chars[k]) k++;
    border[i] = k;
  }
  const period = chars.length - (border[chars.length - 1] ?? 0);
  return period * 2 <= chars.length ? chars.slice(0, period) : chars;
}

/**
 * Estimated entropy of a secret, in bits: its length times the Shannon entropy of its own character
 * frequencies (Miller-Madow corrected), counted on the repeating unit when the secret is one string
 * repeated, and at most 8 times its deflate-compressed size (other repeats compress). Random bytes in
 * base64 or hex score well above MIN_SECRET_BITS.
 */
export function estimateSecretBits(secret: string): number {
  const chars = [...secret];
  if (chars.length === 0) return 0;
  const shannon = shannonBits(repeatingUnit(chars));
  const compressed = deflateRawSync(Buffer.from(secret, 'utf8'), { level: 9 }).length * 8;
  return Math.min(shannon, compressed);
}

export function readSecret(env: Env, required: boolean): string | null {
  const secret = read(env, 'FACEGATE_SECRET') ?? null;
  if (secret === null && required) {
    throw new ConfigError(
      'FACEGATE_SECRET',
      `is required outside sandbox mode and in production (at least ${MIN_SECRET_LENGTH} random characters, e.g. from \`openssl rand -base64 48\`)`,
    );
  }
  if (secret === null) return null;
  const weakness = secretWeakness(secret);
  if (weakness !== null) throw new ConfigError('FACEGATE_SECRET', weakness);
  return secret;
}

/**
 * FACEGATE_SECRET_FALLBACKS: older secrets, comma-separated, kept while a rotation runs. Each must pass the
 * same strength check as FACEGATE_SECRET; a refusal names the entry by its position, never its value.
 */
export function readSecretFallbacks(env: Env, secret: string | null): string[] {
  const raw = read(env, 'FACEGATE_SECRET_FALLBACKS');
  if (raw === undefined) return [];
  if (secret === null) {
    throw new ConfigError(
      'FACEGATE_SECRET_FALLBACKS',
      'needs FACEGATE_SECRET (the new secret) to be set: fallbacks are the secrets it replaces',
    );
  }
  const entries = raw.split(',').map((entry) => entry.trim());
  const seen = new Set<string>([secret]);
  entries.forEach((entry, i) => {
    const which = `entry ${i + 1} of ${entries.length}`;
    if (entry === '') throw new ConfigError('FACEGATE_SECRET_FALLBACKS', `${which} is empty`);
    const weakness = secretWeakness(entry);
    if (weakness !== null) throw new ConfigError('FACEGATE_SECRET_FALLBACKS', `${which} ${weakness}`);
    if (seen.has(entry)) {
      throw new ConfigError(
        'FACEGATE_SECRET_FALLBACKS',
        `${which} repeats FACEGATE_SECRET or an earlier entry`,
      );
    }
    seen.add(entry);
  });
  return entries;
}

/** Why a secret is too weak, in words that never echo it; null when it is strong enough. */
function secretWeakness(secret: string): string | null {
  if (secret.length < MIN_SECRET_LENGTH) return `must be at least ${MIN_SECRET_LENGTH} characters long`;
  const bits = estimateSecretBits(secret);
  if (bits < MIN_SECRET_BITS) {
    // the estimate says how predictable the value is, never what it is
    return `is too predictable: about ${Math.floor(bits)} bits by estimate, at least ${MIN_SECRET_BITS} needed (length x Shannon entropy of its characters, Miller-Madow corrected, on its repeating unit if it repeats one, at most 8 x its deflate-compressed size); use random bytes, e.g. \`openssl rand -base64 48\``;
  }
  return null;
}
