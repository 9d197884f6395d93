import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { basename, resolve } from 'node:path';

import { mannWhitneyU, type MannWhitneyResult } from './mann-whitney.js';
import type { RunResults } from './results-reader.js';
import type { LatencyStats, Summary } from './summary.js';

/** Significance level of the latency test. */
export const COMPARE_ALPHA = 0.05;

const LATENCY_FIGURES = Object.freeze(['mean', 'p50', 'p90', 'p95', 'p99'] as const);

/** One figure of run A against run B: B - A, and that change relative to A. */
export interface FigureChange {
  metric: string;
  a: number | null;
  b: number | null;
  /** `b - a`; null when either is missing. */
  change: number | null;
  /** `(b - a) / a`; null when either is missing or `a` is 0. */
  relative: number | null;
  /** Flags, per side, a figure that rests on a timed-out turn. Such a figure is a lower bound, so the change is uncertain too. */
  censored: { a: boolean; b: boolean };
}

/** Start failures of one reason in A and in B. */
export interface CountChange {
  reason: string;
  a: number;
  b: number;
  change: number;
}

export interface RunLabel {
  dir: string;
  name: string;
  calls: number;
  /** False when the run's load generator did not keep its schedule. */
  valid: boolean;
}

/** The changes from run A to run B. */
export interface Comparison {
  a: RunLabel;
  b: RunLabel;
  /** `conv_latency_*` then `turn_latency_*`, each mean, p50, p90, p95, p99. */
  latency: FigureChange[];
  completed_rate: FigureChange;
  start_failures: CountChange[];
  /**
   * Mann-Whitney U of the per-conversation latencies of A against B, null
   * when a run has none. A conversation with a timed-out turn enters at its
   * censored value, a lower bound.
   */
  significance: (MannWhitneyResult & { alpha: number; significant: boolean }) | null;
  /** Failure modes named in each run's `findings.json`; null for a run without one. */
  findings: { a: string[] | null; b: string[] | null };
}

/** Compares two runs figure by figure and tests whether their per-conversation latencies differ. */
export function compareRuns(a: RunResults, b: RunResults): Comparison {
  const latency = (['conv_latency', 'turn_latency'] as const).flatMap((key) =>
    LATENCY_FIGURES.map((figure) => latencyChange(`${key}_${figure}`, a.summary[key], b.summary[key], figure)),
  );
  const test = mannWhitneyU(conversationLatencies(a), conversationLatencies(b));
  return {
    a: runLabel(a),
    b: runLabel(b),
    latency,
    completed_rate: figureChange('completed_rate', a.summary.completed_rate, b.summary.completed_rate, { a: false, b: false }),
    start_failures: countChanges(a.summary.start_failures, b.summary.start_failures),
    significance: test === null ? null : { ...test, alpha: COMPARE_ALPHA, significant: test.p < COMPARE_ALPHA },
    findings: { a: findingModes(a.dir), b: findingModes(b.dir) },
  };
}

/** Modes named in a run folder's `findings.json`, or null when it has none or cannot be read. */
function findingModes(dir: string): string[] | null {
  const path = join(dir, 'findings.json');
  if (!existsSync(path)) return null;
  try {
    const diagnosis = JSON.parse(readFileSync(path, 'utf8')) as { findings?: Array<{ mode?: string }> };
    return (diagnosis.findings ?? []).map((finding) => String(finding.mode));
  } catch {
    return null;
  }
}

/** Per-conversation mean turn latency of each started call that has one. */
export function conversationLatencies(results: RunResults): number[] {
  return results.records.flatMap((record) => (record.start_failure === undefined && record.avg_turn_taking_latency_ms !== null ? [record.avg_turn_taking_latency_ms] : []));
}

function latencyChange(metric: string, a: LatencyStats, b: LatencyStats, figure: (typeof LATENCY_FIGURES)[number]): FigureChange {
  return figureChange(metric, a[figure], b[figure], { a: a.censored.includes(figure), b: b.censored.includes(figure) });
}

function figureChange(metric: string, a: number | null, b: number | null, censored: FigureChange['censored']): FigureChange {
  const change = a === null || b === null ? null : round(b - a, 4);
  const relative = change === null || a === 0 || a === null ? null : round(change / a, 4);
  return { metric, a, b, change, relative, censored };
}

function countChanges(a: Record<string, number>, b: Record<string, number>): CountChange[] {
  const reasons = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  return reasons.map((reason) => ({ reason, a: a[reason] ?? 0, b: b[reason] ?? 0, change: (b[reason] ?? 0) - (a[reason] ?? 0) }));
}

function runLabel(results: RunResults): RunLabel {
  return { dir: results.dir, name: basename(resolve(results.dir)), calls: results.summary.calls.total, valid: isValid(results.summary) };
}

function isValid(summary: Summary): boolean {
  return !(typeof summary.generator === 'object' && summary.generator !== null && !summary.generator.valid);
}

function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}
