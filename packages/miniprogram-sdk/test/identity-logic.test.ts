import { PersonName, ResidentIdNumber } from '@facegate/domain';
import { describe, expect, it } from 'vitest';
import {
  checkIdCardNumber,
  checkName,
  emptyIdentityForm,
  submissionOf,
  viewOf,
} from '../src/lib/identity-form';

const TODAY = new Date('2025-06-01T00:00:00Z');
const VALID_ID = '11010519491231002X';

const zhOf = (result: { ok: boolean; error?: { messageZh: string } } & Record<string, unknown>) =>
  result.ok ? '' : (result.error?.messageZh ?? '');

describe('identity page logic (the server rules, from @facegate/domain)', () => {
  it('accepts a valid identity and normalizes a lower-case x', () => {
    expect(checkIdCardNumber('11010519491231002x', TODAY)).toEqual({ ok: true, value: VALID_ID, error: '' });
    expect(checkName(' 张三 ')).toMatchObject({ ok: true });
  });

  it.each([
    ['', 'empty'],
    ['11010519491231002', 'too short'],
    ['110105194912310021', 'wrong check digit'],
    ['991105194912310027', 'unknown province'],
    ['110105194913310025', 'impossible date'],
    ['110105491231002', '15-digit legacy number'],
  ])('rejects %s (%s) with the rule’s own zh-CN message', (input) => {
    const check = checkIdCardNumber(input, TODAY);
    expect(check.ok).toBe(false);
    expect(check.error).toBe(zhOf(ResidentIdNumber.parse(input, TODAY) as never));
    expect(check.error).toMatch(/[\u4e00-\u9fa5]/);
  });

  it('rejects a bad name with the rule’s zh-CN message', () => {
    for (const input of ['', '张', 'Zhang3']) {
      const check = checkName(input);
      expect(check.ok).toBe(false);
      expect(check.error).toBe(zhOf(PersonName.parse(input) as never));
    }
  });

  it('shows a field’s error only once it was touched or on submit', () => {
    const form = { ...emptyIdentityForm(), name: '张三', idCardNumber: '123' };
    expect(viewOf(form, TODAY).idCardNumberError).toBe('');
    expect(
      viewOf({ ...form, touched: { name: false, idCardNumber: true } }, TODAY).idCardNumberError,
    ).not.toBe('');
    const submitted = viewOf(form, TODAY, true);
    expect(submitted.idCardNumberError).not.toBe('');
    expect(submitted.consentError).not.toBe('');
    expect(submitted.canSubmit).toBe(false);
  });

  it('needs explicit consent before the identity can be submitted', () => {
    const form = { ...emptyIdentityForm(), name: '张三', idCardNumber: VALID_ID };
    expect(submissionOf(form, TODAY)).toBeNull();
    expect(viewOf(form, TODAY).canSubmit).toBe(false);
    expect(submissionOf({ ...form, consent: true }, TODAY)).toEqual({ name: '张三', idCardNumber: VALID_ID });
    expect(viewOf({ ...form, consent: true }, TODAY).canSubmit).toBe(true);
  });

  it('never submits an invalid ID number, even with consent', () => {
    expect(
      submissionOf(
        { ...emptyIdentityForm(), name: '张三', idCardNumber: '110105194912310021', consent: true },
        TODAY,
      ),
    ).toBeNull();
  });
});
