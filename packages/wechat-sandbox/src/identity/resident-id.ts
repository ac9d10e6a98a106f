/**
 * GB 11643-1999 resident ID numbers, checked the way WeChat's face check would refuse a number that cannot
 * exist. The sandbox keeps its own copy (it imports no FaceGate package, being a stand-in for WeChat).
 */
const PROVINCE_CODES = new Set([
  '11',
  '12',
  '13',
  '14',
  '15',
  '21',
  '22',
  '23',
  '31',
  '32',
  '33',
  '34',
  '35',
  '36',
  '37',
  '41',
  '42',
  '43',
  '44',
  '45',
  '46',
  '50',
  '51',
  '52',
  '53',
  '54',
  '61',
  '62',
  '63',
  '64',
  '65',
  '71',
  '81',
  '82',
]);
const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK_CHARACTERS = '10X98765432';

/** Trims, turns full-width digits and X into ASCII, upper-cases a trailing x. */
export function normalizeIdNumber(input: string): string {
  return input
    .trim()
    .replace(/[\uFF10-\uFF19]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xff10 + 0x30))
    .replace(/[\uFF38\uFF58x]/g, 'X');
}

export function checkCharacterOf(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * WEIGHTS[i]!;
  return CHECK_CHARACTERS[sum % 11]!;
}

/** The normalized number, or null when it is not a possible resident ID number on `today`. */
export function parseResidentIdNumber(input: string, today: Date): string | null {
  const id = normalizeIdNumber(input);
  if (!/^\d{17}[\dX]$/.test(id)) return null;
  if (!PROVINCE_CODES.has(id.slice(0, 2))) return null;
  const year = Number(id.slice(6, 10));
  const month = Number(id.slice(10, 12));
  const day = Number(id.slice(12, 14));
  const birth = new Date(Date.UTC(year, month - 1, day));
  if (year < 1900 || birth.getUTCMonth() !== month - 1 || birth.getUTCDate() !== day) return null;
  if (birth.getTime() > today.getTime()) return null;
  return checkCharacterOf(id.slice(0, 17)) === id[17] ? id : null;
}
