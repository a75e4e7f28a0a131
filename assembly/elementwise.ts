// The small per-element steps of a Llama block, bit-exact with src/kernels/js/: RMSNorm (squares
// summed in f64 in order, then f32 scale and weight multiplies), RoPE (f32 rotations of adjacent
// pairs), SiLU·mul and the residual add. Each export handles units [i0, i1) of its work (tokens,
// token·head pairs or elements) so a thread pool can split it.

/** out[t] = x[t] / rms(x[t]) ⊙ w for tokens [t0, t1); out may alias x. */
export function rms_norm(out: usize, x: usize, w: usize, n: i32, eps: f64, t0: i32, t1: i32): void {
  for (let t = t0; t < t1; t++) {
    const xr = x + ((<usize>t * <usize>n) << 2);
    const or = out + ((<usize>t * <usize>n) << 2);
    let sum: f64 = 0;
    for (let i = 0; i < n; i++) {
      const v = load<f32>(xr + (<usize>i << 2));
      sum += <f64>(v * v);
    }
    const mean = <f32>(sum / <f64>n);
    const scale = <f32>(1.0 / <f64>Mathf.sqrt(<f32>(<f64>mean + eps)));
    const sv = f32x4.splat(scale);
    let i = 0;
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      v128.store(or + o, f32x4.mul(f32x4.mul(v128.load(xr + o), sv), v128.load(w + o)));
    }
    for (; i < n; i++) store<f32>(or + (<usize>i << 2), load<f32>(xr + (<usize>i << 2)) * scale * load<f32>(w + (<usize>i << 2)));
  }
}

/**
 * Rotates adjacent pairs of x (nTok, nHeads, headDim) in place for units u = t·nHeads + h in
 * [u0, u1), with angle tables cos/sin (nTok, headDim/2).
 */
export function rope(x: usize, nHeads: i32, headDim: i32, cos: usize, sin: usize, u0: i32, u1: i32): void {
  const half = headDim >> 1;
  for (let u = u0; u < u1; u++) {
    const t = u / nHeads;
    const base = x + ((<usize>u * <usize>headDim) << 2);
    const c0 = cos + ((<usize>t * <usize>half) << 2);
    const s0 = sin + ((<usize>t * <usize>half) << 2);
    let i = 0;
    for (; i + 4 <= half; i += 4) {
      const p = base + (<usize>i << 3);
      const v0 = v128.load(p);
      const v1 = v128.load(p, 16);
      const a = i32x4.shuffle(v0, v1, 0, 2, 4, 6);
      const b = i32x4.shuffle(v0, v1, 1, 3, 5, 7);
      const c = v128.load(c0 + (<usize>i << 2));
      const s = v128.load(s0 + (<usize>i << 2));
      const ra = f32x4.sub(f32x4.mul(a, c), f32x4.mul(b, s));
      const rb = f32x4.add(f32x4.mul(a, s), f32x4.mul(b, c));
      v128.store(p, i32x4.shuffle(ra, rb, 0, 4, 1, 5));
      v128.store(p, i32x4.shuffle(ra, rb, 2, 6, 3, 7), 16);
    }
    for (; i < half; i++) {
      const p = base + (<usize>i << 3);
      const a = load<f32>(p);
      const b = load<f32>(p, 4);
      const c = load<f32>(c0 + (<usize>i << 2));
      const s = load<f32>(s0 + (<usize>i << 2));
      store<f32>(p, a * c - b * s);
      store<f32>(p, a * s + b * c, 4);
    }
  }
}

/** out = silu(gate) ⊙ up over elements [i0, i1), with exp in f64 as Math.exp; out may alias. */
export function swiglu(out: usize, gate: usize, up: usize, i0: i32, i1: i32): void {
  for (let i = i0; i < i1; i++) {
    const o = <usize>i << 2;
    const g = load<f32>(gate + o);
    const e = <f32>Math.exp(-<f64>g);
    const s = <f32>(<f64>g / <f64>(<f32>1 + e));
    store<f32>(out + o, s * load<f32>(up + o));
  }
}

/** x += y over elements [i0, i1). */
export function add(x: usize, y: usize, i0: i32, i1: i32): void {
  let i = i0;
  for (; i + 4 <= i1; i += 4) {
    const o = <usize>i << 2;
    v128.store(x + o, f32x4.add(v128.load(x + o), v128.load(y + o)));
  }
  for (; i < i1; i++) {
    const o = <usize>i << 2;
    store<f32>(x + o, load<f32>(x + o) + load<f32>(y + o));
  }
}
