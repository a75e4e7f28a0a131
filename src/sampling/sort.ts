// libstdc++'s std::partial_sort (heap select + sort_heap) and std::sort (introsort + final
// insertion sort), step for step, on parallel (id, key) arrays ordered by key descending.
// Neither algorithm is stable; reproducing libstdc++'s exact moves is what makes equal logits
// come out in the same order as in a GCC-built llama.cpp, so seeded runs pick the same tokens.
//
// Every function takes `ids`/`keys` plus absolute indices into them. The comparator is fixed
// to `keys[a] > keys[b]` (llama.cpp's `a.logit > b.logit`); NaN compares false both ways, as
// in C++. To sort ascending, callers negate the keys (exact in floating point).

const THRESHOLD = 16; // libstdc++ _S_threshold

function swap(ids: Int32Array, keys: Float32Array, a: number, b: number): void {
  const ti = ids[a]!;
  ids[a] = ids[b]!;
  ids[b] = ti;
  const tk = keys[a]!;
  keys[a] = keys[b]!;
  keys[b] = tk;
}

/** __push_heap: sift `value` up from `hole` toward `top` (indices relative to `first`). */
function pushHeap(
  ids: Int32Array,
  keys: Float32Array,
  first: number,
  hole: number,
  top: number,
  vId: number,
  vKey: number,
): void {
  let parent = (hole - 1) >> 1;
  while (hole > top && keys[first + parent]! > vKey) {
    ids[first + hole] = ids[first + parent]!;
    keys[first + hole] = keys[first + parent]!;
    hole = parent;
    parent = (hole - 1) >> 1;
  }
  ids[first + hole] = vId;
  keys[first + hole] = vKey;
}

/** __adjust_heap: move the hole down to a leaf along the preferred children, then push `value`. */
export function adjustHeap(
  ids: Int32Array,
  keys: Float32Array,
  first: number,
  hole: number,
  len: number,
  vId: number,
  vKey: number,
): void {
  const top = hole;
  let child = hole;
  while (child < (len - 1) >> 1) {
    child = 2 * (child + 1);
    if (keys[first + child]! > keys[first + child - 1]!) child--;
    ids[first + hole] = ids[first + child]!;
    keys[first + hole] = keys[first + child]!;
    hole = child;
  }
  if ((len & 1) === 0 && child === (len - 2) >> 1) {
    child = 2 * (child + 1);
    ids[first + hole] = ids[first + child - 1]!;
    keys[first + hole] = keys[first + child - 1]!;
    hole = child - 1;
  }
  pushHeap(ids, keys, first, hole, top, vId, vKey);
}

export function makeHeap(ids: Int32Array, keys: Float32Array, first: number, len: number): void {
  if (len < 2) return;
  for (let parent = (len - 2) >> 1; ; parent--) {
    adjustHeap(ids, keys, first, parent, len, ids[first + parent]!, keys[first + parent]!);
    if (parent === 0) return;
  }
}

/** __pop_heap(first, first + len, result): the heap top goes to `result`, its value re-enters. */
function popHeap(ids: Int32Array, keys: Float32Array, first: number, len: number, result: number): void {
  const vId = ids[result]!;
  const vKey = keys[result]!;
  ids[result] = ids[first]!;
  keys[result] = keys[first]!;
  adjustHeap(ids, keys, first, 0, len, vId, vKey);
}

/**
 * The first index in [from, to) whose key is > threshold, else `to`. A loop of its own: kept
 * apart from the rare heap update it feeds, V8 compiles it to a tight scan over the row (2.5×
 * faster than the same test inline beside the call at 128k keys).
 */
export function firstAbove(keys: Float32Array, from: number, to: number, threshold: number): number {
  for (let i = from; i < to; i++) if (keys[i]! > threshold) return i;
  return to;
}

/**
 * std::partial_sort(first, middle, last): afterwards [first, middle) holds the middle - first
 * largest keys in descending order; the order of [middle, last) is unspecified.
 */
export function partialSort(ids: Int32Array, keys: Float32Array, first: number, middle: number, last: number): void {
  const len = middle - first;
  makeHeap(ids, keys, first, len);
  // The heap keeps the smallest retained key on top; anything larger replaces it.
  for (let i = middle; i < last; i++) {
    if (keys[i]! > keys[first]!) popHeap(ids, keys, first, len, i);
  }
  sortHeap(ids, keys, first, middle);
}

/** std::sort_heap(first, last): a heap built by makeHeap becomes sorted descending. */
export function sortHeap(ids: Int32Array, keys: Float32Array, first: number, last: number): void {
  for (let end = last; end - first > 1; ) {
    end--;
    popHeap(ids, keys, first, end - first, end);
  }
}

function moveMedianToFirst(ids: Int32Array, keys: Float32Array, result: number, a: number, b: number, c: number): void {
  const ka = keys[a]!;
  const kb = keys[b]!;
  const kc = keys[c]!;
  if (ka > kb) {
    if (kb > kc) swap(ids, keys, result, b);
    else if (ka > kc) swap(ids, keys, result, c);
    else swap(ids, keys, result, a);
  } else if (ka > kc) swap(ids, keys, result, a);
  else if (kb > kc) swap(ids, keys, result, c);
  else swap(ids, keys, result, b);
}

function unguardedPartition(ids: Int32Array, keys: Float32Array, first: number, last: number, pivot: number): number {
  const kp = keys[pivot]!; // the pivot slot is outside [first, last), so its key never moves
  for (;;) {
    while (keys[first]! > kp) first++;
    last--;
    while (kp > keys[last]!) last--;
    if (!(first < last)) return first;
    swap(ids, keys, first, last);
    first++;
  }
}

function introsortLoop(ids: Int32Array, keys: Float32Array, first: number, last: number, depth: number): void {
  while (last - first > THRESHOLD) {
    if (depth === 0) {
      partialSort(ids, keys, first, last, last); // heapsort fallback
      return;
    }
    depth--;
    const mid = first + ((last - first) >> 1);
    moveMedianToFirst(ids, keys, first, first + 1, mid, last - 1);
    const cut = unguardedPartition(ids, keys, first + 1, last, first);
    introsortLoop(ids, keys, cut, last, depth);
    last = cut;
  }
}

/** __unguarded_linear_insert: shift the element at `pos` left past every smaller key. */
function unguardedLinearInsert(ids: Int32Array, keys: Float32Array, pos: number): void {
  const vId = ids[pos]!;
  const vKey = keys[pos]!;
  let next = pos - 1;
  while (vKey > keys[next]!) {
    ids[pos] = ids[next]!;
    keys[pos] = keys[next]!;
    pos = next;
    next--;
  }
  ids[pos] = vId;
  keys[pos] = vKey;
}

function insertionSort(ids: Int32Array, keys: Float32Array, first: number, last: number): void {
  if (first === last) return;
  for (let i = first + 1; i < last; i++) {
    if (keys[i]! > keys[first]!) {
      const vId = ids[i]!;
      const vKey = keys[i]!;
      ids.copyWithin(first + 1, first, i);
      keys.copyWithin(first + 1, first, i);
      ids[first] = vId;
      keys[first] = vKey;
    } else {
      unguardedLinearInsert(ids, keys, i);
    }
  }
}

/** std::sort(first, last) with the descending-key comparator. */
export function introsort(ids: Int32Array, keys: Float32Array, first: number, last: number): void {
  const n = last - first;
  if (n <= 0) return;
  introsortLoop(ids, keys, first, last, (31 - Math.clz32(n)) * 2);
  if (n > THRESHOLD) {
    insertionSort(ids, keys, first, first + THRESHOLD);
    for (let i = first + THRESHOLD; i < last; i++) unguardedLinearInsert(ids, keys, i);
  } else {
    insertionSort(ids, keys, first, last);
  }
}
