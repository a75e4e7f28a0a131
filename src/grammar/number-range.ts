// Grammar fragments (GBNF alternatives) for decimal numbers inside bounds: integers in [lo, hi]
// without leading zeros, and decimals n[.f] whose value lies between integer bounds (inclusive or
// exclusive). Used by the JSON-schema compiler for minimum / maximum / exclusive* keywords.
// Same idea as llama.cpp common/json-schema-to-grammar.cpp `_build_min_max_int`, written anew.

/** Bounds of an unsigned magnitude: value in [min, max] (Infinity = no upper bound). */
interface Bounds {
  min: number;
  minExclusive: boolean;
  max: number;
  maxExclusive: boolean;
}

const nines = (n: number) => "9".repeat(n);
const zeros = (n: number) => "0".repeat(n);
const digitsTail = (n: number) => (n === 0 ? "" : n === 1 ? " [0-9]" : ` [0-9]{${n}}`);

/** Same-length digit strings x..y (x <= y), leading zeros allowed (they are inner digits). */
function sameLength(x: string, y: string): string[] {
  const n = x.length;
  if (n === 0) return [""];
  if (x === y) return [`"${x}"`];
  if (n === 1) return [`[${x}-${y}]`];
  const d0 = x.charCodeAt(0) - 48;
  const e0 = y.charCodeAt(0) - 48;
  const xr = x.slice(1);
  const yr = y.slice(1);
  if (xr === zeros(n - 1) && yr === nines(n - 1)) return [`[${d0}-${e0}]${digitsTail(n - 1)}`];
  if (d0 === e0) return sameLength(xr, yr).map((s) => `"${d0}" ${s}`.trim());
  const out: string[] = [];
  out.push(...sameLength(xr, nines(n - 1)).map((s) => `"${d0}" ${s}`.trim()));
  if (d0 + 1 <= e0 - 1) out.push(`[${d0 + 1}-${e0 - 1}]${digitsTail(n - 1)}`);
  out.push(...sameLength(zeros(n - 1), yr).map((s) => `"${e0}" ${s}`.trim()));
  return out;
}

/** Unsigned integers in [a, b] (b may be Infinity) written without leading zeros. */
export function unsignedIntRange(a: number, b: number): string[] {
  if (!(a <= b) || a < 0) return [];
  const la = String(a).length;
  const out: string[] = [];
  const finite = Number.isFinite(b);
  const lb = finite ? String(b).length : la;
  for (let len = la; len <= lb; len++) {
    const lo = len === la ? String(a) : "1" + zeros(len - 1);
    const hi = finite && len === lb ? String(b) : nines(len);
    out.push(...sameLength(lo, hi));
  }
  // Unbounded: every number longer than the lower bound.
  if (!finite) out.push(`[1-9] [0-9]{${la},15}`);
  return out;
}

/** Integers in [lo, hi] (either may be infinite), as GBNF alternatives. */
export function intRange(lo: number, hi: number): string[] {
  const out: string[] = [];
  if (hi >= 0) out.push(...unsignedIntRange(Math.max(lo, 0), hi));
  if (lo < 0) {
    const mag = unsignedIntRange(Math.max(hi < 0 ? -hi : 1, 1), -lo);
    out.push(...mag.map((s) => `"-" (${s})`));
  }
  return out;
}

const ANY_FRACTION = `("." [0-9]{1,16})?`;
const ZERO_FRACTION = `("." "0"{1,16})?`;
const NONZERO_FRACTION = `"." [0-9]{0,15} [1-9] [0-9]{0,15}`;

/** Unsigned decimals n[.f] with value inside the bounds (integer bounds). */
function magnitude(b: Bounds): string[] {
  const out: string[] = [];
  const anyFrom = b.minExclusive ? b.min + 1 : b.min;
  const anyTo = b.max - 1; // n = max needs a zero fraction (or is excluded)
  for (const alt of unsignedIntRange(anyFrom, anyTo)) out.push(`(${alt}) ${ANY_FRACTION}`);
  if (b.minExclusive && b.min + 1 <= b.max) out.push(`"${b.min}" ${NONZERO_FRACTION}`);
  if (!b.maxExclusive && Number.isFinite(b.max) && b.max >= anyFrom) out.push(`"${b.max}" ${ZERO_FRACTION}`);
  return out;
}

/**
 * Decimals (no exponent) with lo <= x <= hi, or strict where `exclusive` says so; bounds must be
 * integers or infinite. Returns GBNF alternatives; empty if no number fits.
 */
export function decimalRange(lo: number, loExclusive: boolean, hi: number, hiExclusive: boolean): string[] {
  const out: string[] = [];
  // x >= 0: magnitude bounds are the bounds clipped at 0.
  if (hi > 0 || (hi === 0 && !hiExclusive)) {
    const min = lo >= 0 ? lo : 0;
    out.push(...magnitude({ min, minExclusive: lo >= 0 && loExclusive, max: hi, maxExclusive: hiExclusive }));
  }
  // x < 0: magnitude m = -x in (max(-hi, 0), -lo].
  if (lo < 0) {
    const min = hi < 0 ? -hi : 0;
    const minExclusive = hi < 0 ? hiExclusive : true;
    for (const alt of magnitude({ min, minExclusive, max: -lo, maxExclusive: loExclusive })) out.push(`"-" ${alt}`);
  }
  return out;
}
