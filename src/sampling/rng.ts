// std::mt19937 (32-bit Mersenne Twister, MT19937 of Matsumoto & Nishimura), bit-exact with the
// C++ engine llama.cpp's dist sampler owns, plus libstdc++'s uniform_real_distribution<double>.
// Determinism is a feature: the same seed replays the same token sequence.

const N = 624;
const M = 397;
const MATRIX_A = 0x9908b0df;
const UPPER_MASK = 0x80000000;
const LOWER_MASK = 0x7fffffff;

/** 2^32 and 2^-64 as exact doubles (the libstdc++ canonical-draw constants for a 32-bit engine). */
const TWO_POW_32 = 4294967296;
const TWO_POW_MINUS_64 = 1 / 18446744073709551616;
/** The largest double below 1 (std::nextafter(1.0, 0.0)). */
const ONE_MINUS_ULP = 1 - 2 ** -53;

export class Mt19937 {
  private readonly state = new Uint32Array(N);
  private index = N;

  /** Seeds exactly like `std::mt19937(seed)`; the default seed is the standard's 5489. */
  constructor(seed = 5489) {
    this.seed(seed);
  }

  /** Re-seeds in place, like `std::mt19937::seed(seed)`. */
  seed(seed: number): void {
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
      throw new RangeError(`Mt19937 seed must be an integer in [0, 4294967295], got ${seed}`);
    }
    const mt = this.state;
    mt[0] = seed;
    for (let i = 1; i < N; i++) {
      const prev = mt[i - 1]!;
      // Math.imul keeps the multiply in 32-bit two's complement, as the C++ uint32 arithmetic does.
      mt[i] = Math.imul(1812433253, prev ^ (prev >>> 30)) + i;
    }
    this.index = N;
  }

  /** The next 32-bit output, `engine()` in C++. */
  nextU32(): number {
    if (this.index >= N) this.twist();
    let y = this.state[this.index++]!;
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /**
   * A double in [0, 1) exactly as libstdc++'s `uniform_real_distribution<double>(0, 1)` draws
   * it: `generate_canonical<double, 53>` needs two 32-bit outputs (first one low), sums them
   * in double (lo + hi * 2^32, rounded to 53 bits), scales by 2^-64, and clamps a result that
   * rounded up to 1.0 down to the largest double below 1.
   */
  nextDouble(): number {
    const lo = this.nextU32();
    const hi = this.nextU32();
    const r = (lo + hi * TWO_POW_32) * TWO_POW_MINUS_64;
    return r >= 1 ? ONE_MINUS_ULP : r;
  }

  private twist(): void {
    const mt = this.state;
    for (let i = 0; i < N; i++) {
      const y = (mt[i]! & UPPER_MASK) | (mt[(i + 1) % N]! & LOWER_MASK);
      mt[i] = mt[(i + M) % N]! ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
    }
    this.index = 0;
  }
}
