import { describe, expect, it } from 'vitest';
import { filingShare, publishInputOf, redactionConfirmed } from '../src/privacy/privacy-logic';
import { PRIVACY_MESSAGES } from '../src/privacy/privacy-texts';

describe('the redaction’s confirmation', () => {
  it('goes ahead only on the exact session id (surrounding spaces ignored)', () => {
    expect(redactionConfirmed('ver_123', 'ver_123')).toBe(true);
    expect(redactionConfirmed('  ver_123 ', 'ver_123')).toBe(true);
    expect(redactionConfirmed('ver_12', 'ver_123')).toBe(false);
    expect(redactionConfirmed('VER_123', 'ver_123')).toBe(false);
    expect(redactionConfirmed('', 'ver_123')).toBe(false);
  });
});

describe('the filing threshold', () => {
  it('is a share of the threshold, capped at 1', () => {
    expect(filingShare(0, 100_000)).toBe(0);
    expect(filingShare(25_000, 100_000)).toBe(0.25);
    expect(filingShare(100_000, 100_000)).toBe(1);
    expect(filingShare(250_000, 100_000)).toBe(1);
    expect(filingShare(5, 0)).toBeNull();
  });
});

describe('the publish form', () => {
  const form = { version: ' 2026-12 ', kind: 'STANDARD', purpose: ' 身份核验 ', textZh: '告知', textEn: ' ' };

  it('becomes the mutation’s input: trimmed version and purpose, no English text when blank', () => {
    expect(publishInputOf(form)).toEqual({
      ok: true,
      input: { version: '2026-12', kind: 'STANDARD', purpose: '身份核验', textZh: '告知', textEn: null },
    });
    expect(publishInputOf({ ...form, kind: 'GUARDIAN', textEn: 'Notice' })).toMatchObject({
      ok: true,
      input: { kind: 'GUARDIAN', textEn: 'Notice' },
    });
  });

  it.each([
    [{ version: '' }, 'version', 'versionRule'],
    [{ version: 'v 1' }, 'version', 'versionRule'],
    [{ version: 'x'.repeat(33) }, 'version', 'versionRule'],
    [{ purpose: '  ' }, 'purpose', 'required'],
    [{ textZh: '\n' }, 'textZh', 'required'],
  ])('refuses %o (%s)', (patch, field, problem) => {
    expect(publishInputOf({ ...form, ...patch })).toEqual({ ok: false, field, problem });
  });
});

describe('the privacy words', () => {
  it('exist in both languages for every key, and differ (nothing left untranslated)', () => {
    const zh = PRIVACY_MESSAGES['zh-CN'];
    const en = PRIVACY_MESSAGES.en;
    expect(Object.keys(en).sort()).toEqual(Object.keys(zh).sort());
    for (const key of Object.keys(zh) as (keyof typeof zh)[]) {
      expect(en[key], key).not.toBe('');
      if (key !== 'sha256') expect(en[key], key).not.toBe(zh[key]);
    }
  });
});
