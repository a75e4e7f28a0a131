// First-fit allocator over one WebAssembly memory's address range, kept on the host side (the
// kernels never allocate). Blocks are 64-byte aligned (cache lines, and v128 loads never straddle
// an allocation). Freed blocks merge with free neighbours; the memory grows when nothing fits.

export const ALIGN = 64;

export class FreeList {
  /** Free ranges [start, end), sorted by start, never adjacent (merged on free). */
  private free: { start: number; end: number }[] = [];
  private readonly sizes = new Map<number, number>();

  /**
   * @param top first address never handed out so far (everything below is owned or in `free`)
   * @param limit the highest address the memory can reach
   * @param grow makes addresses below `end` usable; returns false if the memory cannot grow that far
   */
  constructor(
    private top: number,
    private readonly limit: number,
    private readonly grow: (end: number) => boolean,
  ) {}

  /** Bytes handed out and not freed. */
  get used(): number {
    let n = 0;
    for (const s of this.sizes.values()) n += s;
    return n;
  }

  /** Bytes that could still be handed out (free ranges plus the never-used tail), fragmentation aside. */
  get available(): number {
    return this.limit - this.top + this.free.reduce((n, f) => n + f.end - f.start, 0);
  }

  /** Whether `bytes` could be allocated without exceeding the memory's limit. */
  fits(bytes: number): boolean {
    const size = roundUp(bytes);
    return this.free.some((f) => f.end - f.start >= size) || this.top + size <= this.limit;
  }

  /** Address of a new block of at least `bytes`, or -1 if the memory is full. */
  alloc(bytes: number): number {
    const size = roundUp(Math.max(bytes, 1));
    for (let i = 0; i < this.free.length; i++) {
      const f = this.free[i]!;
      if (f.end - f.start < size) continue;
      const p = f.start;
      f.start += size;
      if (f.start === f.end) this.free.splice(i, 1);
      this.sizes.set(p, size);
      return p;
    }
    if (this.top + size > this.limit || !this.grow(this.top + size)) return -1;
    const p = this.top;
    this.top += size;
    this.sizes.set(p, size);
    return p;
  }

  release(p: number): void {
    const size = this.sizes.get(p);
    if (size === undefined) throw new Error(`Address ${p} was not allocated here or was already freed`);
    this.sizes.delete(p);
    let start = p;
    let end = p + size;
    let i = 0;
    while (i < this.free.length && this.free[i]!.end < start) i++;
    // merge with the previous and next free ranges when they touch
    if (i < this.free.length && this.free[i]!.end === start) {
      start = this.free[i]!.start;
      this.free.splice(i, 1);
    }
    if (i < this.free.length && this.free[i]!.start === end) {
      end = this.free[i]!.end;
      this.free.splice(i, 1);
    }
    if (end === this.top) this.top = start; // give the tail back instead of listing it
    else this.free.splice(i, 0, { start, end });
  }
}

function roundUp(n: number): number {
  return Math.ceil(n / ALIGN) * ALIGN;
}
