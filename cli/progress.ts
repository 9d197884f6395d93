import type { RunProgress } from '../driver/index.js';

/**
 * Formats one status line: calls done of total, active, not completed and
 * the current p50 of conversation latency. When `elapsedMs` (time since the
 * first dial) is given, the line ends with the estimated time left.
 */
export function formatProgress(progress: RunProgress, p50Ms: number | null, elapsedMs?: number): string {
  const p50 = p50Ms === null ? '-' : `${Math.round(p50Ms)} ms`;
  const line = `calls ${progress.done}/${progress.total} done, ${progress.active} active, ${progress.failed} not completed, p50 ${p50}`;
  if (elapsedMs === undefined) return line;
  return `${line}, ETA ${formatEta(estimateRemainingMs(progress, elapsedMs))}`;
}

/** Time left if the remaining calls end at the rate calls have ended so far; null before the first call ends. */
export function estimateRemainingMs(progress: RunProgress, elapsedMs: number): number | null {
  if (progress.done === 0 || elapsedMs <= 0) return null;
  return ((progress.total - progress.done) * elapsedMs) / progress.done;
}

/** Formats ms as `1h02m`, `3m05s` or `12s`; `-` when unknown. */
export function formatEta(remainingMs: number | null): string {
  if (remainingMs === null) return '-';
  const seconds = Math.ceil(remainingMs / 1000);
  const hours = Math.floor(seconds / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  const rest = seconds % 60;
  if (hours > 0) return `${hours}h${String(minutes).padStart(2, '0')}m`;
  if (minutes > 0) return `${minutes}m${String(rest).padStart(2, '0')}s`;
  return `${rest}s`;
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
