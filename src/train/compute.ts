// The trainer's compute seam: where its tensors live and how its matrix products run. Training
// spends nearly all of its arithmetic in products of the shapes below, so the one operation a fast
// backend must provide is a BLAS-style sgemm; everything else (norms, rope, softmax, AdamW) is
// memory-bound and runs in plain TypeScript over the same arrays.

/** f32 arrays for training; f64 arrays for gradient checks against finite differences. */
export type Vec = Float32Array | Float64Array;

export interface TrainCompute {
  readonly name: string;
  /** Element type of the arrays alloc() returns. */
  readonly precision: "f32" | "f64";
  /** A zeroed array of n elements in the backend's memory (the only arrays sgemm accepts). */
  alloc(n: number): Vec;
  /**
   * C = alpha · op(A) · op(B) + beta · C, row-major, op(X) = X or Xᵀ (as BLAS sgemm with
   * CblasRowMajor). op(A) is M×K, op(B) is K×N, C is M×N; lda/ldb/ldc are row strides in elements.
   * A, B and C are alloc() arrays or subarrays of them; C must not overlap A or B. With beta = 0, C's
   * old contents are ignored (NaN included). Results are deterministic: the same inputs give the
   * same bits whatever the thread count.
   */
  sgemm(
    transA: boolean, transB: boolean, M: number, N: number, K: number,
    alpha: number, A: Vec, lda: number, B: Vec, ldb: number,
    beta: number, C: Vec, ldc: number,
  ): void;
  /** Releases threads and memory. */
  dispose(): void;
}

/**
 * The readable reference backend: plain TypeScript, one thread. Inner loops run along contiguous
 * memory where the transposes allow, which keeps it a few GFLOP/s rather than a few hundred MFLOP/s.
 */
export function jsCompute(precision: "f32" | "f64" = "f32"): TrainCompute {
  return {
    name: `js-${precision}`,
    precision,
    alloc: (n) => (precision === "f32" ? new Float32Array(n) : new Float64Array(n)),
    sgemm: jsSgemm,
    dispose: () => {},
  };
}

export function jsSgemm(
  transA: boolean, transB: boolean, M: number, N: number, K: number,
  alpha: number, A: Vec, lda: number, B: Vec, ldb: number,
  beta: number, C: Vec, ldc: number,
): void {
  checkGemm(transA, transB, M, N, K, A, lda, B, ldb, C, ldc);
  for (let i = 0; i < M; i++) {
    const c = i * ldc;
    if (beta === 0) C.fill(0, c, c + N);
    else if (beta !== 1) for (let j = 0; j < N; j++) C[c + j]! *= beta;
  }
  if (!transB) {
    // C[i, :] += alpha · A(i, k) · B[k, :]: the inner loop streams a row of B.
    for (let i = 0; i < M; i++) {
      const c = i * ldc;
      for (let k = 0; k < K; k++) {
        const a = alpha * (transA ? A[k * lda + i]! : A[i * lda + k]!);
        if (a === 0) continue;
        const b = k * ldb;
        for (let j = 0; j < N; j++) C[c + j]! += a * B[b + j]!;
      }
    }
  } else {
    // C[i, j] = alpha · dot(A(i, :), B[j, :]): the inner loop runs along rows of B.
    const rowA = transA ? new (A.constructor as { new (n: number): Vec })(K) : undefined;
    for (let i = 0; i < M; i++) {
      let a: Vec;
      let a0: number;
      if (rowA) {
        for (let k = 0; k < K; k++) rowA[k] = A[k * lda + i]!;
        a = rowA;
        a0 = 0;
      } else {
        a = A;
        a0 = i * lda;
      }
      const c = i * ldc;
      for (let j = 0; j < N; j++) {
        const b = j * ldb;
        let s = 0;
        for (let k = 0; k < K; k++) s += a[a0 + k]! * B[b + k]!;
        C[c + j]! += alpha * s;
      }
    }
  }
}

/** Bounds of every operand, so a wrong stride is an error here rather than garbage later. */
export function checkGemm(transA: boolean, transB: boolean, M: number, N: number, K: number, A: Vec, lda: number, B: Vec, ldb: number, C: Vec, ldc: number): void {
  const need = (name: string, arr: Vec, rows: number, cols: number, ld: number) => {
    if (ld < cols) throw new RangeError(`sgemm: ld${name} ${ld} < ${cols}`);
    if (rows > 0 && cols > 0 && (rows - 1) * ld + cols > arr.length) {
      throw new RangeError(`sgemm: ${name} needs ${(rows - 1) * ld + cols} elements, has ${arr.length}`);
    }
  };
  need("a", A, transA ? K : M, transA ? M : K, lda);
  need("b", B, transB ? N : K, transB ? K : N, ldb);
  need("c", C, M, N, ldc);
}
