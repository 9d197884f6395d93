import type { BreakdownComponent, DiagnosisInput, Finding, FindingMode, RunData, TurnPoint } from './input.js';
import type { DiagnosisThresholds } from './thresholds.js';

/** Context every detector receives besides the input: alpha and thresholds. */
export interface DetectorContext {
  alpha: number;
  thresholds: Readonly<DiagnosisThresholds>;
}

/** One failure mode's detector. */
export interface Detector {
  mode: FindingMode;
  /** Returns why the input cannot be tested for this mode, or null when it can. */
  insufficientReason(input: DiagnosisInput, thresholds: Readonly<DiagnosisThresholds>): string | null;
  /** Returns the finding, or null when the mode's test did not fire. */
  detect(input: DiagnosisInput, context: DetectorContext): Finding | null;
}

/** Turn latency with a timed-out turn counted as the turn timeout (censored); null for a talk-over. */
export function censoredLatency(turn: TurnPoint, run: RunData): number | null {
  if (turn.latencyMs !== null) return turn.latencyMs;
  return turn.timedOut ? run.turnTimeoutMs : null;
}

/**
 * Agent response of a turn from the switch breakdown, falling back to the
 * caller's latency when the switch saw none, and the turn timeout for a
 * timed-out turn (censored); null for a talk-over.
 */
export function censoredResponse(turn: TurnPoint, run: RunData): number | null {
  if (turn.agentResponseMs !== null) return turn.agentResponseMs;
  return censoredLatency(turn, run);
}

/** Turns of `runs` that have a censored value, paired with it. */
export function valuedTurns(runs: readonly RunData[], value: (turn: TurnPoint, run: RunData) => number | null): Array<{ turn: TurnPoint; run: RunData; value: number }> {
  const out: Array<{ turn: TurnPoint; run: RunData; value: number }> = [];
  for (const run of runs) {
    for (const turn of run.turns) {
      const v = value(turn, run);
      if (v !== null) out.push({ turn, run, value: v });
    }
  }
  return out;
}

/** Runs that are not step-down runs, in input order. */
export function loadRuns(input: DiagnosisInput): RunData[] {
  return input.runs.filter((run) => run.phase !== 'down');
}

/**
 * Builds a finding's confidence: 0.4, plus up to 0.2 for how far p is
 * below alpha (full at three orders of magnitude), up to 0.2 for how far
 * the effect is above its minimum (full at twice it), and 0.2 times the
 * share of supporting checks that passed. Capped at 0.99. A heuristic
 * score for ranking findings, not a probability.
 */
export function confidenceScore(p: number | null, alpha: number, effectValue: number, effectMinimum: number, support: readonly boolean[]): number {
  const significance = p === null ? 0.5 : clamp(Math.log10(alpha / Math.max(p, 1e-300)) / 3, 0, 1);
  const effect = effectMinimum > 0 ? clamp(Math.log2(effectValue / effectMinimum), 0, 1) : 1;
  const supported = support.length === 0 ? 1 : support.filter(Boolean).length / support.length;
  return Math.min(0.99, Math.round((0.4 + 0.2 * significance + 0.2 * effect + 0.2 * supported) * 100) / 100);
}

function clamp(value: number, low: number, high: number): number {
  return Math.min(high, Math.max(low, value));
}

/** Formats a number for evidence text: integers as they are, others to 3 significant digits. */
export function num(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (Number.isInteger(value)) return String(value);
  return Number(value.toPrecision(3)).toString();
}

/** Formats a p-value for evidence text. */
export function pText(p: number): string {
  return p < 1e-4 ? p.toExponential(1) : num(p);
}

/** Formats a share as a percentage for evidence text. */
export function percentText(share: number): string {
  return `${num(share * 100)}%`;
}

export function makeFinding(fields: Omit<Finding, 'component'> & { component?: BreakdownComponent | null }): Finding {
  return { ...fields, component: fields.component ?? null };
}
