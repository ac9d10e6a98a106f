/** The per-kind rate of four independent fault kinds that together hit `total` of the calls. */
export function perKindRate(total: number, kinds = 4): number {
  if (total <= 0) return 0;
  return 1 - (1 - total) ** (1 / kinds);
}
