/**
 * Fixed-width histogram for large counts of small non-negative values, such
 * as per-frame lags in ms. Values past the last bin are kept exactly, so a
 * percentile is off by at most one bin width (`binMs`) and tails stay exact.
 */
export class LagHistogram {
  private readonly bins: Uint32Array;
  private readonly overflow: number[] = [];
  private total = 0;

  constructor(
    private readonly binMs = 0.01,
    private readonly rangeMs = 100,
  ) {
    this.bins = new Uint32Array(Math.ceil(rangeMs / binMs));
  }

  get count(): number {
    return this.total;
  }

  add(valueMs: number): void {
    const value = Math.max(0, valueMs);
    this.total++;
    const bin = Math.floor(value / this.binMs);
    if (bin < this.bins.length) this.bins[bin]!++;
    else this.overflow.push(value);
  }

  /** Value at `fraction` (0..1) of the sorted values: the upper edge of its bin, or exact past the range. */
  quantile(fraction: number): number | null {
    if (this.total === 0) return null;
    const rank = Math.min(this.total - 1, Math.max(0, Math.ceil(fraction * this.total) - 1));
    let seen = 0;
    for (let bin = 0; bin < this.bins.length; bin++) {
      seen += this.bins[bin]!;
      if (seen > rank) return (bin + 1) * this.binMs;
    }
    const sorted = [...this.overflow].sort((a, b) => a - b);
    return sorted[rank - seen] ?? sorted[sorted.length - 1]!;
  }
}
