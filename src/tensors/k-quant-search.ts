// The scale searches behind llama.cpp's reference K-quant quantizers: given a group of values, pick
// a scale (and for Q2_K/Q4_K/Q5_K a min) and integer levels that minimise a weighted error. Every
// f32 operation is mirrored with Math.fround so the chosen levels match llama.cpp's bit for bit.
// Reference: ggml/src/ggml-quants.c (make_qx_quants, make_q3_quants, make_qkx2_quants).

import { nearestInt } from "./activation-quants.js";

const fr = Math.fround;
/** GROUP_MAX_EPS: groups whose largest magnitude is below this are treated as all zero. */
const GROUP_MAX_EPS = fr(1e-15);
const F32_0_1 = fr(0.1);

function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}

/**
 * make_qx_quants with rmse_type 1 and no importance weights (weights x²): symmetric levels in
 * [0, 2·nmax) written to L[lo..lo+n), scale returned. Tries 18 scales around −nmax/max and keeps
 * the one maximising (Σw·x·l)²/Σw·l². Used by Q6_K (nmax 32).
 */
export function makeQxQuants(n: number, nmax: number, x: Float32Array, xo: number, L: Int8Array, lo: number): number {
  let max = 0;
  let amax = 0;
  for (let i = 0; i < n; i++) {
    const ax = Math.abs(x[xo + i]);
    if (ax > amax) {
      amax = ax;
      max = x[xo + i];
    }
  }
  if (amax < GROUP_MAX_EPS) {
    L.fill(0, lo, lo + n);
    return 0;
  }
  let iscale = fr(-nmax / max);
  let sumlx = 0;
  let suml2 = 0;
  for (let i = 0; i < n; i++) {
    const v = x[xo + i];
    const l = clamp(nearestInt(fr(iscale * v)), -nmax, nmax - 1);
    L[lo + i] = l + nmax;
    const w = fr(v * v);
    sumlx = fr(sumlx + fr(fr(w * v) * l));
    suml2 = fr(suml2 + fr(fr(w * l) * l));
  }
  let scale = suml2 !== 0 ? fr(sumlx / suml2) : 0;
  let best = fr(scale * sumlx);
  for (let is = -9; is <= 9; is++) {
    if (is === 0) continue;
    iscale = fr(-fr(nmax + fr(F32_0_1 * is)) / max);
    sumlx = 0;
    suml2 = 0;
    for (let i = 0; i < n; i++) {
      const v = x[xo + i];
      const l = clamp(nearestInt(fr(iscale * v)), -nmax, nmax - 1);
      const w = fr(v * v);
      sumlx = fr(sumlx + fr(fr(w * v) * l));
      suml2 = fr(suml2 + fr(fr(w * l) * l));
    }
    if (suml2 > 0 && fr(sumlx * sumlx) > fr(best * suml2)) {
      for (let i = 0; i < n; i++) {
        L[lo + i] = nmax + clamp(nearestInt(fr(iscale * x[xo + i])), -nmax, nmax - 1);
      }
      scale = fr(sumlx / suml2);
      best = fr(scale * sumlx);
    }
  }
  return scale;
}

/**
 * make_q3_quants with do_rmse: start from levels at −nmax/max, then up to 5 passes of moving one
 * level at a time to its weighted-least-squares optimum while that improves the fit. Levels in
 * [0, 2·nmax) go to L; the scale is returned. Used by Q3_K (nmax 4).
 */
export function makeQ3Quants(n: number, nmax: number, x: Float32Array, xo: number, L: Int8Array, lo: number): number {
  let max = 0;
  let amax = 0;
  for (let i = 0; i < n; i++) {
    const ax = Math.abs(x[xo + i]);
    if (ax > amax) {
      amax = ax;
      max = x[xo + i];
    }
  }
  if (amax < GROUP_MAX_EPS) {
    L.fill(0, lo, lo + n);
    return 0;
  }
  const iscale = fr(-nmax / max);
  let sumlx = 0;
  let suml2 = 0;
  for (let i = 0; i < n; i++) {
    const v = x[xo + i];
    const l = clamp(nearestInt(fr(iscale * v)), -nmax, nmax - 1);
    L[lo + i] = l; // signed while searching
    const w = fr(v * v);
    sumlx = fr(sumlx + fr(fr(w * v) * l));
    suml2 = fr(suml2 + fr(fr(w * l) * l));
  }
  for (let itry = 0; itry < 5; itry++) {
    let changed = 0;
    for (let i = 0; i < n; i++) {
      const v = x[xo + i];
      const w = fr(v * v);
      const li = L[lo + i];
      let slx = fr(sumlx - fr(fr(w * v) * li));
      if (slx > 0) {
        let sl2 = fr(suml2 - fr(fr(w * li) * li));
        const nl = clamp(nearestInt(fr(fr(v * sl2) / slx)), -nmax, nmax - 1);
        if (nl !== li) {
          slx = fr(slx + fr(fr(w * v) * nl));
          sl2 = fr(sl2 + fr(fr(w * nl) * nl));
          if (sl2 > 0 && fr(fr(slx * slx) * suml2) > fr(fr(sumlx * sumlx) * sl2)) {
            L[lo + i] = nl;
            sumlx = slx;
            suml2 = sl2;
            changed++;
          }
        }
      }
    }
    if (changed === 0) break;
  }
  for (let i = 0; i < n; i++) L[lo + i] += nmax;
  return suml2 > 0 ? fr(sumlx / suml2) : 0;
}

/** Result slot for makeQkx2Quants' second output (the min, stored negated as in ggml). */
export interface MinOut {
  min: number;
}

/**
 * make_qkx2_quants: asymmetric levels l ∈ [0, nmax] with x ≈ scale·l − min. Starts from the
 * min/max fit, then tries nstep+1 scales (rmin + rdelta·k + nmax)/(max−min) and, for each, solves
 * the weighted least-squares scale and min, keeping the lowest error (|diff| if useMad, else diff²).
 * Levels go to L[lo..], −min to out.min, the scale is returned. Used by Q2_K, Q4_K, Q5_K.
 */
export function makeQkx2Quants(
  n: number,
  nmax: number,
  x: Float32Array,
  xo: number,
  weights: Float32Array,
  L: Uint8Array,
  lo: number,
  out: MinOut,
  Laux: Uint8Array,
  rmin: number,
  rdelta: number,
  nstep: number,
  useMad: boolean,
): number {
  let min = x[xo];
  let max = x[xo];
  let sumW = weights[0];
  let sumX = fr(sumW * x[xo]);
  for (let i = 1; i < n; i++) {
    const v = x[xo + i];
    if (v < min) min = v;
    if (v > max) max = v;
    const w = weights[i];
    sumW = fr(sumW + w);
    sumX = fr(sumX + fr(w * v));
  }
  if (min > 0) min = 0;
  if (max === min) {
    L.fill(0, lo, lo + n);
    out.min = -min;
    return 0;
  }
  let iscale = fr(nmax / fr(max - min));
  let scale = fr(1 / iscale);
  let bestError = 0;
  for (let i = 0; i < n; i++) {
    const v = x[xo + i];
    const l = clamp(nearestInt(fr(iscale * fr(v - min))), 0, nmax);
    L[lo + i] = l;
    let diff = fr(fr(fr(scale * l) + min) - v);
    diff = useMad ? Math.abs(diff) : fr(diff * diff);
    bestError = fr(bestError + fr(weights[i] * diff));
  }
  if (nstep < 1) {
    out.min = -min;
    return scale;
  }
  for (let is = 0; is <= nstep; is++) {
    // `min` is updated whenever a candidate wins, and later candidates start from it (as in ggml).
    iscale = fr(fr(fr(rmin + fr(rdelta * is)) + nmax) / fr(max - min));
    let sumL = 0;
    let sumL2 = 0;
    let sumXL = 0;
    for (let i = 0; i < n; i++) {
      const v = x[xo + i];
      const l = clamp(nearestInt(fr(iscale * fr(v - min))), 0, nmax);
      Laux[i] = l;
      const wl = fr(weights[i] * l);
      sumL = fr(sumL + wl);
      sumL2 = fr(sumL2 + fr(wl * l));
      sumXL = fr(sumXL + fr(wl * v));
    }
    const D = fr(fr(sumW * sumL2) - fr(sumL * sumL));
    if (D > 0) {
      let thisScale = fr(fr(fr(sumW * sumXL) - fr(sumX * sumL)) / D);
      let thisMin = fr(fr(fr(sumL2 * sumX) - fr(sumL * sumXL)) / D);
      if (thisMin > 0) {
        thisMin = 0;
        thisScale = fr(sumXL / sumL2);
      }
      let curError = 0;
      for (let i = 0; i < n; i++) {
        let diff = fr(fr(fr(thisScale * Laux[i]) + thisMin) - x[xo + i]);
        diff = useMad ? Math.abs(diff) : fr(diff * diff);
        curError = fr(curError + fr(weights[i] * diff));
      }
      if (curError < bestError) {
        for (let i = 0; i < n; i++) L[lo + i] = Laux[i];
        bestError = curError;
        scale = thisScale;
        min = thisMin;
      }
    }
  }
  out.min = -min;
  return scale;
}
