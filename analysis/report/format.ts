import type { LatencyStats } from '../summary.js';

export type LatencyFigure = 'mean' | 'p50' | 'p90' | 'p95' | 'p99';

/** The figures of a `LatencyStats`, in display order. */
export const LATENCY_FIGURES: readonly LatencyFigure[] = Object.freeze(['mean', 'p50', 'p90', 'p95', 'p99']);

/**
 * Formats one latency figure in whole ms: `-` when there is none, and
 * `>= N` when it rests on a timed-out turn, with N capped at the turn
 * timeout, as the terminal table prints it.
 */
export function formatLatency(stats: LatencyStats, figure: LatencyFigure, turnTimeoutMs: number): string {
  const value = stats[figure];
  if (value === null) return '-';
  if (stats.censored.includes(figure)) return `>= ${Math.round(Math.min(value, turnTimeoutMs))}`;
  return String(Math.round(value));
}

/** Formats a rate from 0 to 1 as a percentage with one decimal. */
export function formatPercent(rate: number | null): string {
  return rate === null ? '-' : `${(rate * 100).toFixed(1)}%`;
}

/** Formats ms rounded to whole ms, or `-`. */
export function formatMs(value: number | null | undefined): string {
  return value === null || value === undefined ? '-' : String(Math.round(value));
}

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/**
 * Serializes a value as JSON that is safe inside a `<script>` element: `<`
 * becomes `\u003c`, so no `</script>` or `<!--` can end or change the
 * element, and the two line separators that older parsers reject are escaped.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}
