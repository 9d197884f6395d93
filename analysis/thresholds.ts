import { UsageError } from '../core/index.js';
import { summarize, type LatencyStats, type Summary } from './summary.js';

/** Exit status of a run whose thresholds failed. */
export const EXIT_THRESHOLD_FAILED = 3;

export type ThresholdOperator = '<' | '<=' | '>' | '>=' | '==';

/** A pass condition on one summary metric, such as `conv_latency_p90<1500`. */
export interface Threshold {
  /** The text as written. */
  text: string;
  metric: string;
  operator: ThresholdOperator;
  limit: number;
}

/** Why a threshold failed: the limit was not met, the run was invalid, the figure is a lower bound, or there is no figure. */
export type ThresholdFailure = 'not_met' | 'invalid_run' | 'censored' | 'no_data';

export interface ThresholdResult {
  threshold: Threshold;
  /** The metric's value in the summary; null when the run has none. */
  actual: number | null;
  passed: boolean;
  failure?: ThresholdFailure;
}

export interface ThresholdEvaluation {
  passed: boolean;
  results: ThresholdResult[];
}

/** Summary fields keyed by a reason; a metric `<field>_<reason>` reads one count, 0 when the reason never occurred. */
const COUNT_FAMILIES = Object.freeze(['start_failures', 'end_reasons', 'not_completed_because'] as const);

/** Metrics computed from the summary rather than read from one field. */
const DERIVED_METRICS: Readonly<Record<string, (summary: Summary) => number | null>> = Object.freeze({
  start_failures_total: (summary) => sumCounts(summary.start_failures),
  start_failure_rate: (summary) => (summary.calls.total === 0 ? null : round4((summary.calls.total - summary.calls.started) / summary.calls.total)),
});

const THRESHOLD_PATTERN = /^\s*([a-z][a-z0-9_]*)\s*(<=|>=|==|<|>)\s*(-?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?)\s*$/i;

/**
 * Names of the numeric summary fields, flattened with `_`
 * (`conv_latency_p90`, `calls_total`, `time_to_greeting_ms_p99`), taken
 * from the shape of a summary of no calls so that new summary fields
 * become metrics without a list to update. The generator block is left
 * out, because an invalid generator already fails every threshold.
 */
export const KNOWN_METRICS: readonly string[] = Object.freeze([
  ...Object.keys(flattenNumbers(summarize([], 1, null))).filter((name) => !name.startsWith('generator')),
  ...Object.keys(DERIVED_METRICS),
]);

/** Known metrics followed by the per-reason count families, for error messages and help text. */
export function describeKnownMetrics(): string {
  return [...KNOWN_METRICS, ...COUNT_FAMILIES.map((family) => `${family}_<reason>`)].join(', ');
}

/** Parses `METRIC OP NUMBER`, such as `turn_latency_p99<3000`; raises `VL_THRESHOLD_INVALID` naming what is wrong. */
export function parseThreshold(text: string): Threshold {
  const match = THRESHOLD_PATTERN.exec(text);
  if (match === null) {
    throw new UsageError('VL_THRESHOLD_INVALID', `threshold ${JSON.stringify(text)} is not of the form METRIC OP NUMBER`, `write it as, for example, conv_latency_p90<1500, with OP one of <, <=, >, >=, ==; known metrics: ${describeKnownMetrics()}`);
  }
  const metric = match[1]!.toLowerCase();
  if (!isKnownMetric(metric)) {
    throw new UsageError('VL_THRESHOLD_INVALID', `threshold ${JSON.stringify(text)} names unknown metric ${metric}`, `use one of ${describeKnownMetrics()}`);
  }
  return { text, metric, operator: match[2] as ThresholdOperator, limit: Number(match[3]) };
}

/** Adds one `--threshold` value to those before it, for a repeatable commander option. */
export function collectThreshold(text: string, previous: readonly Threshold[] = []): Threshold[] {
  return [...previous, parseThreshold(text)];
}

function isKnownMetric(metric: string): boolean {
  if (KNOWN_METRICS.includes(metric)) return true;
  return COUNT_FAMILIES.some((family) => metric.startsWith(`${family}_`) && metric.length > family.length + 1);
}

/**
 * Checks each threshold against a run summary. Every threshold fails on a
 * run whose load generator was invalid. A latency figure that rests on a
 * timed-out turn is only a lower bound, so it fails `<`, `<=` and `==` but
 * can pass `>` and `>=`. A metric with no value (no answered calls) fails.
 */
export function evaluateThresholds(summary: Summary, thresholds: readonly Threshold[]): ThresholdEvaluation {
  const invalid = typeof summary.generator === 'object' && summary.generator !== null && !summary.generator.valid;
  const results = thresholds.map((threshold): ThresholdResult => {
    const actual = metricValue(summary, threshold.metric);
    if (invalid) return { threshold, actual, passed: false, failure: 'invalid_run' };
    if (actual === null) return { threshold, actual, passed: false, failure: 'no_data' };
    if (isCensored(summary, threshold.metric) && threshold.operator !== '>' && threshold.operator !== '>=') {
      return { threshold, actual, passed: false, failure: 'censored' };
    }
    return compare(actual, threshold.operator, threshold.limit) ? { threshold, actual, passed: true } : { threshold, actual, passed: false, failure: 'not_met' };
  });
  return { passed: results.every((result) => result.passed), results };
}

/** Returns 0 when every threshold passed, else EXIT_THRESHOLD_FAILED. */
export function thresholdExitStatus(evaluation: ThresholdEvaluation): number {
  return evaluation.passed ? 0 : EXIT_THRESHOLD_FAILED;
}

/** Reads one metric from a summary; null when the summary has no value for it. */
export function metricValue(summary: Summary, metric: string): number | null {
  const derived = DERIVED_METRICS[metric];
  if (derived !== undefined) return derived(summary);
  for (const family of COUNT_FAMILIES) {
    if (metric.startsWith(`${family}_`) && !KNOWN_METRICS.includes(metric)) return summary[family][metric.slice(family.length + 1)] ?? 0;
  }
  const value = flattenNumbers(summary)[metric];
  return value === undefined ? null : value;
}

/** True when `metric` is a latency figure listed in its stats' `censored`. */
function isCensored(summary: Summary, metric: string): boolean {
  for (const key of ['conv_latency', 'turn_latency'] as const) {
    const stats: LatencyStats = summary[key];
    if (metric.startsWith(`${key}_`) && (stats.censored as string[]).includes(metric.slice(key.length + 1))) return true;
  }
  return false;
}

function compare(actual: number, operator: ThresholdOperator, limit: number): boolean {
  switch (operator) {
    case '<':
      return actual < limit;
    case '<=':
      return actual <= limit;
    case '>':
      return actual > limit;
    case '>=':
      return actual >= limit;
    case '==':
      return actual === limit;
  }
}

/** Flattens nested objects into `a_b_c` keys, keeping numbers and nulls; arrays and strings are skipped. */
function flattenNumbers(value: unknown, prefix = '', into: Record<string, number | null> = {}): Record<string, number | null> {
  if (value === null && prefix !== '') {
    into[prefix] = null;
    return into;
  }
  if (typeof value === 'number') {
    into[prefix] = value;
    return into;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return into;
  for (const [key, child] of Object.entries(value)) flattenNumbers(child, prefix === '' ? key : `${prefix}_${key}`, into);
  return into;
}

function sumCounts(counts: Record<string, number>): number {
  return Object.values(counts).reduce((sum, count) => sum + count, 0);
}

function round4(value: number): number {
  return Math.round(value * 10000) / 10000;
}
