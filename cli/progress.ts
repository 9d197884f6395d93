import type { RunProgress } from '../driver/index.js';

/** Formats one status line: calls done of total, active, failed, and the current p50 of conversation latency. */
export function formatProgress(progress: RunProgress, p50Ms: number | null): string {
  const p50 = p50Ms === null ? '-' : `${Math.round(p50Ms)} ms`;
  return `calls ${progress.done}/${progress.total} done, ${progress.active} active, ${progress.failed} not completed, p50 ${p50}`;
}

/** Median of the values so far, kept sorted on insert; enough for a few thousand calls. */
export class RunningMedian {
  private readonly sorted: number[] = [];

  add(value: number): void {
    let low = 0;
    let high = this.sorted.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (this.sorted[middle]! < value) low = middle + 1;
      else high = middle;
    }
    this.sorted.splice(low, 0, value);
  }

  get value(): number | null {
    const count = this.sorted.length;
    if (count === 0) return null;
    const middle = (count - 1) / 2;
    return (this.sorted[Math.floor(middle)]! + this.sorted[Math.ceil(middle)]!) / 2;
  }
}
