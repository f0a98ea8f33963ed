/** Injectable randomness, so pure logic and tests stay reproducible. */
import { randomBytes } from 'node:crypto';

export interface Random {
  /** A float in [0, 1). */
  next(): number;
  /** `n` random bytes as lowercase hex (2n characters). */
  hex(n: number): string;
}

export const systemRandom: Random = {
  next: () => randomBytes(4).readUInt32BE(0) / 0x1_0000_0000,
  hex: (n) => randomBytes(n).toString('hex'),
};

/** Deterministic generator (mulberry32) for tests and simulations. */
export function seededRandom(seed: number): Random {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    hex(n) {
      let s = '';
      for (let i = 0; i < n; i++) s += Math.floor(next() * 256).toString(16).padStart(2, '0');
      return s;
    },
  };
}
