// f32 matrix product for the trainer: C = alpha · op(A) · op(B) + beta · C, row-major (BLAS sgemm).
// Goto/BLIS structure: op(B) is packed once per product into NR-column panels (sgemm_pack_b, all
// K blocks at once, shared by every thread); each thread packs its own MC-row blocks of op(A) into
// MR-row panels in its scratch and runs an MR×NR register-tiled micro-kernel over them. The K
// sum is blocked by KC, a function of K alone, and every output element is summed in the same
// order whichever thread computes it (edge tiles run the same kernel into a scratch tile), so the
// results do not depend on how rows or columns are shared between threads. The relaxed-SIMD build
// fuses each multiply-add (f32x4.relaxed_madd); the SIMD128 build multiplies, then adds.

/** Rows of the micro-kernel's tile (A panels hold MR rows per k). */
export const SGEMM_MR: i32 = 4;
/** Columns of the micro-kernel's tile (B panels hold NR columns per k). */
export const SGEMM_NR: i32 = 8;
/** Rows of op(A) packed at a time by one thread (its packed block stays in L2). */
export const SGEMM_MC: i32 = 128;

@inline function madd(a: v128, b: v128, c: v128): v128 {
  if (RELAXED != 0) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}

/** Columns 0..3 of the 4×4 block whose rows are r0..r3 (a transpose). */
@inline function transposeStore(r0: v128, r1: v128, r2: v128, r3: v128, dst: usize, step: usize): void {
  const t0 = i32x4.shuffle(r0, r1, 0, 4, 1, 5);
  const t1 = i32x4.shuffle(r2, r3, 0, 4, 1, 5);
  const t2 = i32x4.shuffle(r0, r1, 2, 6, 3, 7);
  const t3 = i32x4.shuffle(r2, r3, 2, 6, 3, 7);
  v128.store(dst, i32x4.shuffle(t0, t1, 0, 1, 4, 5));
  v128.store(dst + step, i32x4.shuffle(t0, t1, 2, 3, 6, 7));
  v128.store(dst + 2 * step, i32x4.shuffle(t2, t3, 0, 1, 4, 5));
  v128.store(dst + 3 * step, i32x4.shuffle(t2, t3, 2, 3, 6, 7));
}

/**
 * Packs `width` (≤ 4) strided vectors into 4-lane groups: out[k·step .. +4] = x_0..3 at k, where
 * vector r starts at src + r·rowStride and its elements are `elemStride` apart (both in bytes).
 * Missing vectors (r ≥ width) are zero. Used for A panels (MR = 4) and half B panels.
 */
function pack4(src: usize, rowStride: usize, elemStride: usize, width: i32, len: i32, dst: usize, step: usize): void {
  if (width == 4 && elemStride == 4) {
    // rows contiguous along k: transpose 4×4 blocks
    const len4 = len & ~3;
    for (let k = 0; k < len4; k += 4) {
      const p = src + (<usize>k << 2);
      transposeStore(v128.load(p), v128.load(p + rowStride), v128.load(p + 2 * rowStride), v128.load(p + 3 * rowStride), dst + <usize>k * step, step);
    }
    for (let k = len4; k < len; k++) {
      const p = src + (<usize>k << 2);
      const d = dst + <usize>k * step;
      store<f32>(d, load<f32>(p));
      store<f32>(d, load<f32>(p + rowStride), 4);
      store<f32>(d, load<f32>(p + 2 * rowStride), 8);
      store<f32>(d, load<f32>(p + 3 * rowStride), 12);
    }
    return;
  }
  if (width == 4 && rowStride == 4) {
    // the four values of each k are adjacent: copy
    for (let k = 0; k < len; k++) v128.store(dst + <usize>k * step, v128.load(src + <usize>k * elemStride));
    return;
  }
  for (let k = 0; k < len; k++) {
    const d = dst + <usize>k * step;
    const s = src + <usize>k * elemStride;
    for (let r = 0; r < 4; r++) store<f32>(d + (<usize>r << 2), r < width ? load<f32>(s + <usize>r * rowStride) : 0);
  }
}

/**
 * Packs op(B) (K×N) into panels for every K block: block at k0 (length kc) starts at element
 * k0·Npad of bp, its panel p (columns p·NR ..) at + p·kc·NR, laid out [k][NR]; columns ≥ N are zero.
 * Panels lo..hi are packed (the unit of work split between threads).
 */
export function sgemm_pack_b(b: usize, ldb: i32, transB: i32, K: i32, N: i32, bp: usize, kcMax: i32, lo: i32, hi: i32, tid: i32): void {
  const npad = ((N + SGEMM_NR - 1) / SGEMM_NR) * SGEMM_NR;
  const ld = <usize>ldb << 2;
  for (let k0 = 0; k0 < K; k0 += kcMax) {
    const kc = min(kcMax, K - k0);
    const block = bp + ((<usize>k0 * <usize>npad) << 2);
    for (let p = lo; p < hi; p++) {
      const j = p * SGEMM_NR;
      const dst = block + ((<usize>p * <usize>kc * SGEMM_NR) << 2);
      const step: usize = SGEMM_NR << 2;
      for (let half = 0; half < SGEMM_NR; half += 4) {
        const width = min(4, N - j - half);
        const d = dst + (<usize>half << 2);
        if (width <= 0) {
          for (let k = 0; k < kc; k++) v128.store(d + <usize>k * step, i32x4.splat(0));
          continue;
        }
        // op(B)[k][j] is B[j·ldb + k] (transposed) or B[k·ldb + j]
        if (transB != 0) pack4(b + <usize>(j + half) * ld + (<usize>k0 << 2), ld, 4, width, kc, d, step);
        else pack4(b + <usize>k0 * ld + (<usize>(j + half) << 2), 4, ld, width, kc, d, step);
      }
    }
  }
}

/** Rows i0 .. i0+mc of op(A), columns k0 .. k0+kc, into MR-row panels of kc·MR at dst. */
function packA(a: usize, lda: i32, transA: i32, M: i32, i0: i32, mc: i32, k0: i32, kc: i32, dst: usize): void {
  const ld = <usize>lda << 2;
  const step: usize = SGEMM_MR << 2;
  for (let i = 0; i < mc; i += SGEMM_MR) {
    const width = min(SGEMM_MR, M - i0 - i);
    const d = dst + ((<usize>i * <usize>kc) << 2);
    // op(A)[i][k] is A[k·lda + i] (transposed) or A[i·lda + k]
    if (transA != 0) pack4(a + <usize>k0 * ld + (<usize>(i0 + i) << 2), 4, ld, width, kc, d, step);
    else pack4(a + <usize>(i0 + i) * ld + (<usize>k0 << 2), ld, 4, width, kc, d, step);
  }
}

/** Stores one row of the tile: mode 0 C = alpha·acc, 1 C = alpha·acc + beta·C, 2 C += alpha·acc. */
@inline function storeRow(c: usize, v0: v128, v1: v128, alpha: v128, beta: v128, mode: i32): void {
  let x0 = f32x4.mul(alpha, v0);
  let x1 = f32x4.mul(alpha, v1);
  if (mode == 1) {
    x0 = f32x4.add(x0, f32x4.mul(beta, v128.load(c)));
    x1 = f32x4.add(x1, f32x4.mul(beta, v128.load(c, 16)));
  } else if (mode == 2) {
    x0 = f32x4.add(v128.load(c), x0);
    x1 = f32x4.add(v128.load(c, 16), x1);
  }
  v128.store(c, x0);
  v128.store(c, x1, 16);
}

/** The MR×NR micro-kernel: Σ_k A panel[k] ⊗ B panel[k] over kc, stored into C (ldc in bytes). */
function kernel4x8(ap: usize, bp: usize, kc: i32, c: usize, ldc: usize, alpha: f32, beta: f32, mode: i32): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  const end = bp + ((<usize>kc * SGEMM_NR) << 2);
  while (bp < end) {
    const b0 = v128.load(bp);
    const b1 = v128.load(bp, 16);
    let a = v128.load32_splat(ap);
    c00 = madd(a, b0, c00);
    c01 = madd(a, b1, c01);
    a = v128.load32_splat(ap, 4);
    c10 = madd(a, b0, c10);
    c11 = madd(a, b1, c11);
    a = v128.load32_splat(ap, 8);
    c20 = madd(a, b0, c20);
    c21 = madd(a, b1, c21);
    a = v128.load32_splat(ap, 12);
    c30 = madd(a, b0, c30);
    c31 = madd(a, b1, c31);
    ap += SGEMM_MR << 2;
    bp += SGEMM_NR << 2;
  }
  const va = f32x4.splat(alpha);
  const vb = f32x4.splat(beta);
  storeRow(c, c00, c01, va, vb, mode);
  storeRow(c + ldc, c10, c11, va, vb, mode);
  storeRow(c + 2 * ldc, c20, c21, va, vb, mode);
  storeRow(c + 3 * ldc, c30, c31, va, vb, mode);
}

/** Columns per packed B panel: the host sizes the packed buffer and splits columns by it. */
export function sgemm_nr(): i32 {
  return SGEMM_NR;
}

/** Rows per micro-tile: the host splits rows in multiples of it. */
export function sgemm_mr(): i32 {
  return SGEMM_MR;
}

/** Bytes of scratch one thread needs for K blocks of kcMax: its packed A block and an edge tile. */
export function sgemm_scratch_bytes(kcMax: i32): i32 {
  return (SGEMM_MC * kcMax + SGEMM_MR * SGEMM_NR) << 2;
}

/**
 * C = alpha · op(A) · op(B) + beta · C for rows lo..hi of C (splitCols = 0) or columns lo..hi
 * (splitCols = 1; lo a multiple of NR), with op(B) packed by sgemm_pack_b at bp. Thread `tid`
 * packs into scratch + tid · scratchStride. K > 0; with beta = 0 C is never read.
 */
export function sgemm(
  M: i32, N: i32, K: i32, alpha: f32, a: usize, lda: i32, transA: i32, bp: usize, beta: f32, c: usize, ldc: i32,
  scratch: usize, scratchStride: i32, kcMax: i32, splitCols: i32, lo: i32, hi: i32, tid: i32,
): void {
  const m0 = splitCols != 0 ? 0 : lo;
  const m1 = splitCols != 0 ? M : hi;
  const n0 = splitCols != 0 ? lo : 0;
  const n1 = splitCols != 0 ? hi : N;
  const ap = scratch + <usize>tid * <usize>scratchStride;
  const tile = ap + ((<usize>SGEMM_MC * <usize>kcMax) << 2);
  const npad = ((N + SGEMM_NR - 1) / SGEMM_NR) * SGEMM_NR;
  const ldcb = <usize>ldc << 2;
  for (let k0 = 0; k0 < K; k0 += kcMax) {
    const kc = min(kcMax, K - k0);
    const mode = k0 > 0 ? 2 : beta == 0 ? 0 : 1;
    const bBlock = bp + ((<usize>k0 * <usize>npad) << 2);
    for (let i0 = m0; i0 < m1; i0 += SGEMM_MC) {
      const mc = min(SGEMM_MC, m1 - i0);
      packA(a, lda, transA, M, i0, mc, k0, kc, ap);
      for (let j = n0; j < n1; j += SGEMM_NR) {
        const bPanel = bBlock + ((<usize>(j / SGEMM_NR) * <usize>kc * SGEMM_NR) << 2);
        const nr = min(SGEMM_NR, n1 - j);
        for (let i = 0; i < mc; i += SGEMM_MR) {
          const aPanel = ap + ((<usize>i * <usize>kc) << 2);
          const mr = min(SGEMM_MR, mc - i);
          const cTile = c + <usize>(i0 + i) * ldcb + (<usize>j << 2);
          if (mr == SGEMM_MR && nr == SGEMM_NR) {
            kernel4x8(aPanel, bPanel, kc, cTile, ldcb, alpha, beta, mode);
            continue;
          }
          // Edge tile: the same sums into scratch, then combined lane by lane as storeRow does.
          kernel4x8(aPanel, bPanel, kc, tile, SGEMM_NR << 2, alpha, 0, 0);
          for (let r = 0; r < mr; r++) {
            for (let q = 0; q < nr; q++) {
              const cp = cTile + <usize>r * ldcb + (<usize>q << 2);
              const t = load<f32>(tile + ((<usize>(r * SGEMM_NR + q)) << 2));
              if (mode == 0) store<f32>(cp, t);
              else if (mode == 1) store<f32>(cp, t + beta * load<f32>(cp));
              else store<f32>(cp, load<f32>(cp) + t);
            }
          }
        }
      }
    }
  }
}
