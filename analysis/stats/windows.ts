import { medianOf } from './descriptive.js';

/** A value observed at a time, such as a turn's latency at the end of the caller's speech. */
export interface TimedValue {
  atMs: number;
  value: number;
}

/** The median of the values in one fixed time window [startMs, endMs). */
export interface WindowMedian {
  startMs: number;
  endMs: number;
  centerMs: number;
  median: number;
  count: number;
}

/**
 * Splits [startMs, endMs) into consecutive windows of `windowMs` and
 * returns the median of each window holding at least `minCount` values, in
 * time order. The range defaults to the first value's time up to just past
 * the last; values outside it are ignored. The last window may be shorter.
 */
export function windowedMedians(
  points: readonly TimedValue[],
  windowMs: number,
  options: { startMs?: number; endMs?: number; minCount?: number } = {},
): WindowMedian[] {
  if (points.length === 0 || !(windowMs > 0)) return [];
  const startMs = options.startMs ?? Math.min(...points.map((point) => point.atMs));
  const endMs = options.endMs ?? Math.max(...points.map((point) => point.atMs)) + 1e-9;
  const minCount = Math.max(1, options.minCount ?? 1);

  const count = Math.max(1, Math.ceil((endMs - startMs) / windowMs));
  const buckets: number[][] = Array.from({ length: count }, () => []);
  for (const point of points) {
    if (point.atMs < startMs || point.atMs >= endMs) continue;
    buckets[Math.min(count - 1, Math.floor((point.atMs - startMs) / windowMs))]!.push(point.value);
  }

  const windows: WindowMedian[] = [];
  buckets.forEach((values, index) => {
    if (values.length < minCount) return;
    const windowStart = startMs + index * windowMs;
    const windowEnd = Math.min(endMs, windowStart + windowMs);
    windows.push({ startMs: windowStart, endMs: windowEnd, centerMs: (windowStart + windowEnd) / 2, median: medianOf(values)!, count: values.length });
  });
  return windows;
}

/** Number of values of `times` in (atMs - windowMs, atMs], for each atMs in `at`. `times` must be sorted ascending. */
export function trailingCounts(times: readonly number[], at: readonly number[], windowMs: number): number[] {
  return at.map((atMs) => upperBound(times, atMs) - upperBound(times, atMs - windowMs));
}

/** Index of the first element of sorted `values` greater than `target`. */
function upperBound(values: readonly number[], target: number): number {
  let low = 0;
  let high = values.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (values[middle]! <= target) low = middle + 1;
    else high = middle;
  }
  return low;
}
