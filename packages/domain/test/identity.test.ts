import {
  certHashInput,
  ID_NUMBER_RULES,
  IDENTITY_RULE_MESSAGES,
  NAME_RULES,
  PersonName,
  RESIDENT_ID_PROVINCE_CODES,
  ResidentIdNumber,
  residentIdCheckChar,
} from '@facegate/domain';
import { FakeIdentityDigests, testIdentities } from '@facegate/domain/testing';
import { describe, expect, it } from 'vitest';
import fixture from './fixtures/identity.json';

const today = new Date('2025-06-01T00:00:00.000Z');
const digests = new FakeIdentityDigests();

const idRule = (input: string, at = today) => {
  const r = ResidentIdNumber.parse(input, at);
  return r.ok ? null : r.error.rule;
};
const nameRule = (input: string) => {
  const r = PersonName.parse(input);
  return r.ok ? null : r.error.rule;
};
/** A valid number for a given first 17 digits. */
const withCheck = (first17: string) => first17 + residentIdCheckChar(first17);

describe('the shared identity vectors', () => {
  it('are the same in the testing export and the fixture file', () => {
    const { about: _about, ...rest } = fixture;
    expect(testIdentities).toEqual(rest);
  });

  it.each(fixture.valid)('accepts $idCardNumber / $name and reproduces the hashes WeChat compares', (v) => {
    const id = ResidentIdNumber.parse(v.idCardNumber, today);
    const name = PersonName.parse(v.name);
    if (!id.ok || !name.ok) throw new Error('expected a valid identity');
    expect(id.value.value).toBe(v.idCardNumber);
    expect(name.value.value).toBe(v.name);
    expect(digests.md5Hex(id.value.value)).toBe(v.idCardNumberMd5);
    expect(digests.md5Hex(name.value.value)).toBe(v.nameUtf8Md5);
    expect(digests.sha256Hex(certHashInput('IDENTITY_CARD', name.value.value, id.value.value))).toBe(
      v.certHash,
    );
  });

  it('reproduces the cert_hash example of the WeChat docs', () => {
    const ex = fixture.wechatDocCertHashExample;
    expect(digests.sha256Hex(certHashInput('IDENTITY_CARD', ex.certName, ex.certNo))).toBe(ex.certHash);
    expect(certHashInput('IDENTITY_CARD', '张三', '310101199801011234')).toBe(
      'cert_type=SURFTlRJVFlfQ0FSRA==&cert_name=5byg5LiJ&cert_no=MzEwMTAxMTk5ODAxMDExMjM0',
    );
  });

  const expectedRule: Record<string, string> = {
    'check digit wrong': 'ID_CHECK_DIGIT',
    'month 13': 'ID_BIRTH_DATE',
    '30 February': 'ID_BIRTH_DATE',
    'no such province code 00': 'ID_PROVINCE',
    '16 characters': 'ID_LENGTH',
    '19 characters': 'ID_LENGTH',
    'non-digit check character': 'ID_CHARACTERS',
    'birth date in the future': 'ID_BIRTH_DATE_IN_FUTURE',
  };
  it.each(fixture.invalid)('rejects $input ($why) naming the rule', ({ input, why }) => {
    expect(idRule(input)).toBe(expectedRule[why]);
  });

  it.each(fixture.normalizes)('normalizes $why', ({ input, expected }) => {
    const r = ResidentIdNumber.parse(input, today);
    expect(r.ok && r.value.value).toBe(expected);
  });
});

describe('ResidentIdNumber', () => {
  it('exposes the province, birth date and masked form', () => {
    const r = ResidentIdNumber.parse('11010519491231002X', today);
    if (!r.ok) throw r.error;
    expect(r.value.provinceCode).toBe('11');
    expect(r.value.birthDate).toBe('1949-12-31');
    expect(r.value.masked()).toBe('1101**********002X');
    expect(String(r.value)).toBe('1101**********002X');
    expect(JSON.stringify({ id: r.value })).toBe('{"id":"1101**********002X"}');
  });

  it('rejects empty input and non-strings as ID_REQUIRED', () => {
    expect(idRule('')).toBe('ID_REQUIRED');
    expect(idRule(' \u3000 ')).toBe('ID_REQUIRED');
    expect(idRule(undefined as unknown as string)).toBe('ID_REQUIRED');
  });

  it('rejects old 15-digit numbers with their own rule', () => {
    expect(idRule('110105491231002')).toBe('ID_LEGACY_15_DIGIT');
    expect(idRule('１１０１０５４９１２３１００２')).toBe('ID_LEGACY_15_DIGIT');
  });

  it('rejects wrong lengths, including absurdly long input', () => {
    expect(idRule('11010519491231002')).toBe('ID_LENGTH');
    expect(idRule('1'.repeat(10_000))).toBe('ID_LENGTH');
    expect(idRule('11010519491231002XX')).toBe('ID_LENGTH');
  });

  it('rejects letters, an X not at the end, and inner spaces', () => {
    expect(idRule('1101051949123100AX')).toBe('ID_CHARACTERS');
    expect(idRule('X10105194912310021')).toBe('ID_CHARACTERS');
    expect(idRule('110105 94912310021')).toBe('ID_CHARACTERS');
  });

  it('accepts every real province code and nothing else', () => {
    for (let p = 0; p < 100; p++) {
      const code = String(p).padStart(2, '0');
      const accepted = idRule(withCheck(`${code}0105194912310${'02'}`)) === null;
      expect(accepted, code).toBe(RESIDENT_ID_PROVINCE_CODES.has(code));
    }
    expect([...RESIDENT_ID_PROVINCE_CODES].sort()).toEqual(
      [
        11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52, 53,
        54, 61, 62, 63, 64, 65,
      ].map(String),
    );
    // Hong Kong / Macao / Taiwan codes are not mainland resident ID cards.
    for (const code of ['71', '81', '82', '83'])
      expect(idRule(withCheck(`${code}0000199001010${'01'}`))).toBe('ID_PROVINCE');
  });

  it('checks the birth date is a real calendar day from 1900 on', () => {
    expect(idRule(withCheck('11010520000229001'))).toBeNull(); // leap year
    expect(idRule(withCheck('11010519000229001'))).toBe('ID_BIRTH_DATE'); // 1900 is not a leap year
    expect(idRule(withCheck('11010519960229001'))).toBeNull();
    expect(idRule(withCheck('11010519970229001'))).toBe('ID_BIRTH_DATE');
    expect(idRule(withCheck('11010519990431001'))).toBe('ID_BIRTH_DATE');
    expect(idRule(withCheck('11010519990001001'))).toBe('ID_BIRTH_DATE');
    expect(idRule(withCheck('11010519990100001'))).toBe('ID_BIRTH_DATE');
    expect(idRule(withCheck('11010518991231001'))).toBe('ID_BIRTH_DATE');
    expect(idRule(withCheck('11010519000101001'))).toBeNull();
  });

  it('judges "in the future" by the date in China (UTC+8)', () => {
    const born = withCheck('11010520250601001');
    // 2025-05-31T16:00Z is already 1 June in Beijing.
    expect(idRule(born, new Date('2025-05-31T16:00:00.000Z'))).toBeNull();
    expect(idRule(born, new Date('2025-05-31T15:59:59.999Z'))).toBe('ID_BIRTH_DATE_IN_FUTURE');
  });

  it('defaults "today" to the current time', () => {
    expect(ResidentIdNumber.parse(withCheck('11010520990101001')).ok).toBe(false);
    expect(ResidentIdNumber.parse('11010519491231002X').ok).toBe(true);
  });

  it('normalizes full-width characters, the ideographic space and lower-case x', () => {
    const r = ResidentIdNumber.parse('\u3000１１０１０５１９４９１２３１００２ｘ\u3000', today);
    expect(r.ok && r.value.value).toBe('11010519491231002X');
  });
});

describe('PersonName', () => {
  it('trims and keeps Chinese names as they are', () => {
    const r = PersonName.parse('  王小明 ');
    expect(r.ok && r.value.value).toBe('王小明');
    expect(r.ok && r.value.masked()).toBe('王**');
  });

  it.each(['·', '•', '‧', '・', '･', '﹒', '．'])('turns the dot variant %s into U+00B7', (dot) => {
    const r = PersonName.parse(`阿依古丽${dot}买买提`);
    expect(r.ok && r.value.value).toBe('阿依古丽\u00b7买买提');
  });

  it('drops spaces around a middle dot', () => {
    const r = PersonName.parse('爱新觉罗 · 溥仪');
    expect(r.ok && r.value.value).toBe('爱新觉罗·溥仪');
  });

  it('masks all but the first character, surrogate pairs counted as one', () => {
    const zhang = PersonName.parse('张三');
    expect(zhang.ok && zhang.value.masked()).toBe('张*');
    expect(zhang.ok && `${zhang.value}`).toBe('张*');
    expect(zhang.ok && JSON.stringify(zhang.value)).toBe('"张*"');
    const rare = PersonName.parse('𠀋三');
    expect(rare.ok && rare.value.masked()).toBe('𠀋*');
  });

  it('composes to NFC', () => {
    const r = PersonName.parse('Ame\u0301lie');
    expect(r.ok && r.value.value).toBe('Am\u00e9lie');
  });

  it.each([
    ['', 'NAME_REQUIRED'],
    ['   ', 'NAME_REQUIRED'],
    ['张', 'NAME_TOO_SHORT'],
    ['张'.repeat(31), 'NAME_TOO_LONG'],
    ['张'.repeat(10_000), 'NAME_TOO_LONG'],
    ['张3', 'NAME_CHARACTERS'],
    ['张３', 'NAME_CHARACTERS'],
    ['张\u0000三', 'NAME_CHARACTERS'],
    ['张\u200b三', 'NAME_CHARACTERS'],
    ['张 三', 'NAME_CHARACTERS'],
    ['张!三', 'NAME_CHARACTERS'],
    ['\u0301\u0301', 'NAME_CHARACTERS'],
    ['·张三', 'NAME_MIDDLE_DOT'],
    ['张三·', 'NAME_MIDDLE_DOT'],
    ['张··三', 'NAME_MIDDLE_DOT'],
    ['张•·三', 'NAME_MIDDLE_DOT'],
  ])('rejects %j with %s', (input, rule) => {
    expect(nameRule(input)).toBe(rule);
  });

  it('accepts 2 and 30 characters', () => {
    expect(nameRule('张三')).toBeNull();
    expect(nameRule('张'.repeat(30))).toBeNull();
    expect(nameRule(undefined as unknown as string)).toBe('NAME_REQUIRED');
  });
});

describe('identity rejections', () => {
  it('carry the field, the rule and both messages, never the input', () => {
    const secretId = '11010519491231002Y';
    const r = ResidentIdNumber.parse(secretId, today);
    if (r.ok) throw new Error('expected a rejection');
    expect(r.error).toMatchObject({ code: 'IDENTITY_INVALID', field: 'idCardNumber', rule: 'ID_CHARACTERS' });
    expect(r.error.messageZh).toBe('身份证号码只能包含数字，最后一位可以是X');
    expect(r.error.message).toBe('the ID card number may contain only digits, with an optional final X');
    const n = PersonName.parse('张3');
    if (n.ok) throw new Error('expected a rejection');
    expect(n.error.field).toBe('name');
  });

  it('have a zh-CN and an English message for every rule, none echoing anything typed', () => {
    for (const rule of [...ID_NUMBER_RULES, ...NAME_RULES]) {
      const m = IDENTITY_RULE_MESSAGES[rule];
      expect(m.zh).toMatch(/[\u4e00-\u9fff]/);
      expect(m.en).toMatch(/^[\x20-\x7e]+$/);
      expect(m.en + m.zh).not.toMatch(/\d{6,}/);
    }
  });
});
