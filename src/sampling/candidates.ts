// The candidate list every sampler stage edits: llama.cpp's llama_token_data_array (id, logit,
// size, sorted) as parallel typed arrays allocated once per Sampler and reused for every token,
// plus its two sorting helpers from src/llama-sampler.cpp (llama_token_data_array_partial_sort
// and _partial_sort_inplace), reproduced with libstdc++'s algorithms so tie order matches.

import { adjustHeap, firstAbove, introsort, makeHeap, partialSort, sortHeap } from "./sort.js";

const N_BUCKETS = 128;
/** llama.cpp's bucket map `int(bucket_scale * logit + bucket_inter)` over [-10, 10], in f32. */
const BUCKET_SCALE = Math.fround(N_BUCKETS / 20);
const BUCKET_INTER = Math.fround(10 * BUCKET_SCALE);
const INT32_LIMIT = 2147483648;

/** 0, 1, 2, … shared by every Candidates: copying it is faster than counting up per token. */
let identity = new Int32Array(0);
function identityIds(n: number): Int32Array {
  if (identity.length < n) identity = Int32Array.from({ length: n }, (_, i) => i);
  return identity.subarray(0, n);
}

export class Candidates {
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
  private readonly idBuffer: Int32Array;
  /**
   * True from load() until something reads `ids`: the list is still every token in id order, so
   * index = token id and idBuffer has not been filled. Stages that would only have read the
   * identity (sparse penalties, top-k ≤ 128) check it and never pay for filling 128k ids.
   */
  inIdOrder = false;
  /** partialSortToBuffer's buckets still to sort: nextBucket down to lastBucket. */
  private nextBucket = -1;
  private lastBucket = 0;
  /** Entries of sortIds/sortLogits already final. */
  private bufferSorted = 0;
  private bufferNpartial = 0;

  constructor(readonly capacity: number) {
    this.idBuffer = new Int32Array(capacity);
    this.logits = new Float32Array(capacity);
    this.sortIds = new Int32Array(capacity);
    this.sortLogits = new Float32Array(capacity);
    this.scratch = new Float32Array(capacity);
    this.scratchIds = new Int32Array(capacity);
    this.bucketOf = new Uint8Array(capacity);
  }

  /** Token ids of the list, parallel to `logits`. */
  get ids(): Int32Array {
    if (this.inIdOrder) {
      this.idBuffer.set(identityIds(this.capacity));
      this.inIdOrder = false;
    }
    return this.idBuffer;
  }

  /** Resets to all `capacity` tokens in id order with the given logits (not modified). */
  load(logits: Float32Array): void {
    this.logits.set(logits);
    this.size = this.capacity;
    this.sorted = false;
    this.inIdOrder = true;
  }

  /** The token id at list index i (without filling the ids while the list is in id order). */
  idAt(i: number): number {
    return this.inIdOrder ? i : this.idBuffer[i]!;
  }

  /**
   * llama_token_data_array_partial_sort: writes the `npartial` largest candidates, sorted
   * descending, to the front of sortIds/sortLogits without touching the list itself. Returns
   * how many entries it wrote (whole buckets, so possibly more than npartial; only the first
   * npartial are sorted). Requires 1 <= npartial <= size.
   *
   * With `lazy`, only the bucketing is done: each bucket is sorted when sortBufferThrough reaches
   * it. Buckets are sorted independently, so entries come out the same, and a caller that stops
   * early (top-p over the full vocabulary usually needs a few thousand of 128k) skips the rest.
   * `sameList` reuses the bucket of every candidate from the previous call, which the caller
   * vouches was on this very list (same size, order and logits).
   */
  partialSortToBuffer(npartial: number, lazy = false, sameList = false): number {
    const n = this.size;
    const logits = this.logits;
    const bucketOf = this.bucketOf;
    const histo = this.histo;
    if (!sameList) {
      histo.fill(0);
      for (let i = 0; i < n; i++) {
        const t = Math.fround(Math.fround(BUCKET_SCALE * logits[i]!) + BUCKET_INTER);
        // C++ int(float) truncates and the clamp maps negatives to 0; out-of-range (and
        // infinite) values become INT_MIN on x86, which the clamp also maps to bucket 0.
        const b = t >= 1 ? (t < N_BUCKETS ? t | 0 : t < INT32_LIMIT ? N_BUCKETS - 1 : 0) : 0;
        bucketOf[i] = b;
        histo[b]!++;
      }
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
    const inIdOrder = this.inIdOrder;
    const ids = this.idBuffer;
    for (let i = 0; i < n; i++) {
      const b = bucketOf[i]!;
      if (b >= ib) {
        const at = pos[b]!++;
        outIds[at] = inIdOrder ? i : ids[i]!;
        outLogits[at] = logits[i]!;
      }
    }
    this.nextBucket = N_BUCKETS - 1;
    this.lastBucket = ib;
    this.bufferSorted = 0;
    this.bufferNpartial = npartial;
    if (!lazy) this.sortBufferThrough(npartial - 1);
    return nHave;
  }

  /** After a lazy partialSortToBuffer: sorts buckets until sortIds/sortLogits[0..index] are final. */
  sortBufferThrough(index: number): void {
    const histo = this.histo;
    while (this.bufferSorted <= index && this.nextBucket >= this.lastBucket) {
      const j = this.nextBucket--;
      const start = this.bufferSorted;
      const end = start + histo[j]!;
      if (j > this.lastBucket) introsort(this.sortIds, this.sortLogits, start, end);
      else partialSort(this.sortIds, this.sortLogits, start, this.bufferNpartial, end);
      this.bufferSorted = end;
    }
  }

  /** llama_token_data_array_partial_sort_inplace: keep the `npartial` largest, sorted descending. */
  partialSortInPlace(npartial: number): void {
    if (npartial <= 128 && this.inIdOrder) {
      this.partialSortFromIdOrder(npartial);
    } else if (npartial <= 128) {
      partialSort(this.ids, this.logits, 0, npartial, this.size);
    } else {
      this.partialSortToBuffer(npartial);
      this.takeBuffer(npartial);
    }
    this.size = npartial;
    this.sorted = true;
  }

  /** Makes the first n entries of the sort buffer the list (size is left to the caller). */
  takeBuffer(n: number): void {
    this.idBuffer.set(this.sortIds.subarray(0, n));
    this.logits.set(this.sortLogits.subarray(0, n));
    this.inIdOrder = false;
  }

  /**
   * std::partial_sort(0, k, size) on a list still in id order, move for move, without filling
   * the ids: the heap lives in the first k slots, and the rest of the list is only ever read at
   * index i just before the scan writes the evicted root back to i, a slot nothing reads again
   * once size becomes k. So ids beyond the heap are their indices and those writes are skipped.
   */
  private partialSortFromIdOrder(k: number): void {
    const ids = this.idBuffer;
    const keys = this.logits;
    ids.set(identityIds(k));
    this.inIdOrder = false;
    makeHeap(ids, keys, 0, k);
    const n = this.size;
    // The heap's root (keys[0]) is the weakest kept logit; only a larger one enters.
    for (let i = firstAbove(keys, k, n, keys[0]!); i < n; i = firstAbove(keys, i + 1, n, keys[0]!)) {
      adjustHeap(ids, keys, 0, 0, k, i, keys[i]!);
    }
    sortHeap(ids, keys, 0, k);
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
