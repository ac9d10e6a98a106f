import { residentIdCheckChar } from '@facegate/domain';

/**
 * Made-up identities that pass the gateway's checks: a 2-3 character Chinese name and a GB 11643 resident ID
 * number (real region prefix, real date, right check digit). Each chaos user gets its own, so per-ID-number
 * limits see a realistic spread instead of one person verifying thousands of times. The sandbox's reserved
 * scenario names are never produced, so only the device's explicit scenario decides an outcome.
 */
const SURNAMES = [
  '王',
  '李',
  '张',
  '刘',
  '陈',
  '杨',
  '黄',
  '赵',
  '吴',
  '周',
  '徐',
  '孙',
  '马',
  '朱',
  '胡',
  '郭',
];
const GIVEN = [
  '伟',
  '芳',
  '娜',
  '敏',
  '静',
  '丽',
  '强',
  '磊',
  '军',
  '洋',
  '勇',
  '艳',
  '杰',
  '娟',
  '涛',
  '明',
  '超',
  '秀',
  '霞',
  '平',
];
const REGIONS = ['110101', '110105', '310104', '440305', '510107', '330106', '420102', '610103', '370202'];

export interface Identity {
  readonly name: string;
  readonly idCardNumber: string;
}

/** The GB 11643 check character of the first 17 digits: the domain's rule, the one copy in the product. */
export const checkDigitOf = residentIdCheckChar;

export function randomIdentity(random: () => number): Identity {
  const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)]!;
  const name = pick(SURNAMES) + pick(GIVEN) + (random() < 0.5 ? pick(GIVEN) : '');
  const birth = new Date(Date.UTC(1950, 0, 1) + Math.floor(random() * 54 * 365.25) * 86_400_000);
  const date = `${birth.getUTCFullYear()}${String(birth.getUTCMonth() + 1).padStart(2, '0')}${String(birth.getUTCDate()).padStart(2, '0')}`;
  const sequence = String(Math.floor(random() * 1000)).padStart(3, '0');
  const first17 = `${pick(REGIONS)}${date}${sequence}`;
  return { name, idCardNumber: first17 + checkDigitOf(first17) };
}
