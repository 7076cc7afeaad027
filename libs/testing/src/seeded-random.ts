/**
 * mulberry32: a 32-bit seeded pseudo-random generator (Tommy Ettinger's public-domain generator); values in [0, 1).
 * Tests that draw a plan, a history or a distribution use it, so the same seed gives the same draws (and a failure is
 * reproduced by its seed). Not for anything but tests.
 * @example const random = mulberry32(20261206); random() // 0.61..., the same on every run
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
