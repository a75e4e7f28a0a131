// The candidate list every sampler stage edits: llama.cpp's llama_token_data_array (id, logit,
// size, sorted) as parallel typed arrays allocated once per Sampler and reused for every token,
// plus its two sorting helpers from src/llama-sampler.cpp (llama_token_data_array_partial_sort
// and _partial_sort_inplace), reproduced with libstdc++'s algorithms so tie order matches.

import { introsort, partialSort } from "./sort.js";

const N_BUCKETS = 128;
/** llama.cpp's bucket map `int(bucket_scale * logit + bucket_inter)` over [-10, 10], in f32. */
const BUCKET_SCALE = Math.fround(N_BUCKETS / 20);
const BUCKET_INTER = Math.fround(10 * BUCKET_SCALE);
const INT32_LIMIT = 2147483648;

export class Candidates {
  readonly ids: Int32Array;
  readonly logits: Float32Array;
  size = 0;
  /** True once the list is known to be in descending logit order (llama.cpp's `sorted`). */
  sorted = false;

  /** Output of the bucket partial sort (llama.cpp's `buf_sort` / `tmp`). */
  readonly sortIds: Int32Array;
  readonly sortLogits: Float32Array;
  /** Per-candidate f32 scratch: probabilities (typical, dist) and keys (typical's scores). */
  readonly scratch: Float32Array;
  readonly scratchIds: Int32Array;
  private readonly bucketOf: Uint8Array;
  private readonly histo = new Int32Array(N_BUCKETS);
  private readonly bucketPos = new Int32Array(N_BUCKETS);

  constructor(readonly capacity: number) {
    this.ids = new Int32Array(capacity);
    this.logits = new Float32Array(capacity);
    this.sortIds = new Int32Array(capacity);
    this.sortLogits = new Float32Array(capacity);
    this.scratch = new Float32Array(capacity);
    this.scratchIds = new Int32Array(capacity);
    this.bucketOf = new Uint8Array(capacity);
  }

  /** Resets to all `capacity` tokens in id order with the given logits (not modified). */
  load(logits: Float32Array): void {
    const ids = this.ids;
    for (let i = 0; i < this.capacity; i++) ids[i] = i;
    this.logits.set(logits);
    this.size = this.capacity;
    this.sorted = false;
  }

  /**
   * llama_token_data_array_partial_sort: writes the `npartial` largest candidates, sorted
   * descending, to the front of sortIds/sortLogits without touching the list itself. Returns
   * how many entries it wrote (whole buckets, so possibly more than npartial; only the first
   * npartial are sorted). Requires 1 <= npartial <= size.
   */
  partialSortToBuffer(npartial: number): number {
    const n = this.size;
    const logits = this.logits;
    const bucketOf = this.bucketOf;
    const histo = this.histo;
    histo.fill(0);
    for (let i = 0; i < n; i++) {
      const t = Math.fround(Math.fround(BUCKET_SCALE * logits[i]!) + BUCKET_INTER);
      // C++ int(float) truncates; out-of-range (and infinite) values become INT_MIN on x86,
      // which the clamp then maps to bucket 0.
      let b = t > -INT32_LIMIT && t < INT32_LIMIT ? Math.trunc(t) : 0;
      if (b < 0) b = 0;
      else if (b > N_BUCKETS - 1) b = N_BUCKETS - 1;
      bucketOf[i] = b;
      histo[b]!++;
    }
    let nHave = 0;
    let ib = N_BUCKETS - 1;
    for (; ib >= 0; ib--) {
      nHave += histo[ib]!;
      if (nHave >= npartial) break;
    }
    // Buckets from the highest down are laid out back to back, each in id-list order.
    const pos = this.bucketPos;
    let p = 0;
    for (let j = N_BUCKETS - 1; j >= ib; j--) {
      pos[j] = p;
      p += histo[j]!;
    }
    const outIds = this.sortIds;
    const outLogits = this.sortLogits;
    const ids = this.ids;
    for (let i = 0; i < n; i++) {
      const b = bucketOf[i]!;
      if (b >= ib) {
        const at = pos[b]!++;
        outIds[at] = ids[i]!;
        outLogits[at] = logits[i]!;
      }
    }
    let start = 0;
    for (let j = N_BUCKETS - 1; j > ib; j--) {
      introsort(outIds, outLogits, start, start + histo[j]!);
      start += histo[j]!;
    }
    partialSort(outIds, outLogits, start, npartial, start + histo[ib]!);
    return nHave;
  }

  /** llama_token_data_array_partial_sort_inplace: keep the `npartial` largest, sorted descending. */
  partialSortInPlace(npartial: number): void {
    if (npartial <= 128) {
      partialSort(this.ids, this.logits, 0, npartial, this.size);
    } else {
      this.partialSortToBuffer(npartial);
      this.ids.set(this.sortIds.subarray(0, npartial));
      this.logits.set(this.sortLogits.subarray(0, npartial));
    }
    this.size = npartial;
    this.sorted = true;
  }

  /** The largest logit, as llama.cpp finds it: the first entry when sorted, else a scan. */
  maxLogit(): number {
    const logits = this.logits;
    let max = logits[0]!;
    if (!this.sorted) {
      for (let i = 1; i < this.size; i++) {
        const l = logits[i]!;
        if (max < l) max = l; // std::max(max, l)
      }
    }
    return max;
  }
}
