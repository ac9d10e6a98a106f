/** mulberry32: a small seeded PRNG, so a run's plan and choices can be repeated from its seed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The per-kind rate of four independent fault kinds that together hit `total` of the calls. */
export function perKindRate(total: number, kinds = 4): number {
  if (total <= 0) return 0;
  return 1 - (1 - total) ** (1 / kinds);
}
