// expf as the sampler stages compute it, fround(Math.exp(x)) for an f32 x <= 0, bit for bit but
// without Math.exp for almost every x: top-p over the full vocabulary takes 128k of them per token.
//
// exp(x) comes from a table of exp(-k/64) times a degree-4 polynomial in the remainder |r| <= 1/128
// (relative error below 3e-13). Rounding is monotonic, so when the approximation nudged up and
// down by TOLERANCE (far beyond both its error and Math.exp's, under 1 ulp) rounds to one f32, the
// exact value rounds there too. Otherwise (about 1 call in 3000, near an f32 rounding boundary)
// Math.exp decides.

const STEPS_PER_UNIT = 64;
/** exp(-110) is far below the smallest f32 subnormal: beyond the table, Math.exp (0 or tiny). */
const TABLE_SIZE = STEPS_PER_UNIT * 110;
const EXP_TABLE = Float64Array.from({ length: TABLE_SIZE + 1 }, (_, k) => Math.exp(-k / STEPS_PER_UNIT));
const TOLERANCE = 1e-11;

/** fround(Math.exp(x)) for x <= 0 (and -Infinity); other x go straight to Math.exp. */
export function expf(x: number): number {
  const y = -x * STEPS_PER_UNIT;
  if (!(y >= 0 && y < TABLE_SIZE)) return Math.fround(Math.exp(x));
  const k = (y + 0.5) | 0;
  const r = (k - y) / STEPS_PER_UNIT;
  const e = EXP_TABLE[k]! * (1 + r * (1 + r * (0.5 + r * (1 / 6 + r / 24))));
  const low = Math.fround(e * (1 - TOLERANCE));
  return low === Math.fround(e * (1 + TOLERANCE)) ? low : Math.fround(Math.exp(x));
}
