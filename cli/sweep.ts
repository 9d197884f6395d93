import { join } from 'node:path';

import { summarize, type Summary } from '../analysis/index.js';
import { UsageError } from '../core/index.js';
import type { CallRecord, RunResult, Scenario } from '../driver/index.js';
import { prepareOutputDir, RecordWriter, writeJson } from './results.js';

/** Where a level sits in a sweep. */
export type SweepPhase = 'baseline' | 'up' | 'down';

export interface SweepLevel {
  concurrency: number;
  phase: SweepPhase;
  /** Calls placed at this level. */
  calls: number;
  /** Folder name of the level's run, inside the sweep folder. */
  label: string;
}

/** Runs one scenario on the servers a sweep keeps for all its levels. */
export interface SweepTarget {
  /** `callIdPrefix` keeps call ids, and so the agent's per-call random draws, distinct across levels. */
  run(scenario: Scenario, onRecord: (record: CallRecord) => void, callIdPrefix: string): Promise<RunResult>;
}

export interface SweepLevelResult extends SweepLevel {
  outDir: string;
  summary: Summary;
}

export const SWEEP_DEFAULTS = Object.freeze({
  levels: [2, 8, 16, 32] as readonly number[],
  /** Calls per level: this many per unit of concurrency, and at least minCallsPerLevel. */
  callsPerConcurrency: 3,
  minCallsPerLevel: 20,
});

/** Parses a comma-separated list of concurrency levels such as `2,8,16`. */
export function parseLevels(text: string, option: string): number[] {
  const levels = text.split(',').map((part) => Number(part.trim()));
  if (levels.length === 0 || levels.some((level) => !Number.isInteger(level) || level < 1 || level > 10000)) {
    throw new UsageError('VL_SWEEP_LEVELS_INVALID', `${option} must be whole numbers from 1 to 10000 separated by commas, got ${JSON.stringify(text)}`, `pass for example ${option} 2,8,16,32`);
  }
  return levels;
}

/**
 * Plans a sweep: the first level is the baseline, the rest climb, then the
 * step-down levels (by default the second level, or the baseline when there
 * are only two) show whether latency recovers when load drops.
 */
export function planSweep(levels: readonly number[], stepDown: readonly number[] | undefined, callsPerLevel: number | undefined): SweepLevel[] {
  if (levels.length < 2) throw new UsageError('VL_SWEEP_LEVELS_INVALID', `a sweep needs at least two levels, got ${levels.join(',')}`, 'pass a baseline and at least one higher level, such as --levels 2,16');
  const down = stepDown ?? [levels.length > 2 ? levels[1]! : levels[0]!];
  const calls = (concurrency: number) => callsPerLevel ?? Math.max(SWEEP_DEFAULTS.minCallsPerLevel, SWEEP_DEFAULTS.callsPerConcurrency * concurrency);
  const plan: SweepLevel[] = levels.map((concurrency, index) => ({ concurrency, phase: index === 0 ? 'baseline' : 'up', calls: calls(concurrency), label: '' }));
  for (const concurrency of down) plan.push({ concurrency, phase: 'down', calls: calls(concurrency), label: '' });
  return plan.map((level, index) => ({ ...level, label: `${String(index + 1).padStart(2, '0')}-${level.phase}-c${level.concurrency}` }));
}

/** Rows x repeats covering at least `calls` calls, the rows taken in turn. */
function scenarioForLevel(base: Scenario, level: SweepLevel): Scenario {
  return { ...base, maxParallel: level.concurrency, repeats: Math.ceil(level.calls / base.rows.length), arrivalRate: null };
}

/**
 * Runs every level in order against one target, so state the agent keeps
 * (queues, leaks) carries from level to level, and writes each level's run
 * folder inside `outDir`.
 */
export async function runSweep(base: Scenario, plan: readonly SweepLevel[], target: SweepTarget, outDir: string, onLevel?: (level: SweepLevel) => void): Promise<SweepLevelResult[]> {
  const results: SweepLevelResult[] = [];
  for (const level of plan) {
    onLevel?.(level);
    const levelDir = prepareOutputDir(join(outDir, level.label));
    const scenario = scenarioForLevel(base, level);
    const writer = new RecordWriter(join(levelDir, 'calls.jsonl'));
    let result: RunResult;
    try {
      result = await target.run(scenario, (record) => writer.write(record), `${level.phase}-c${level.concurrency}`);
    } finally {
      await writer.close();
    }
    const summary = summarize(result.records, scenario.turnTimeoutMs);
    writeJson(levelDir, 'summary.json', summary);
    writeJson(levelDir, 'run.json', { tool: 'voice-load', sweep_level: level, scenario: { ...scenario, maxParallel: level.concurrency } });
    results.push({ ...level, outDir: levelDir, summary });
  }
  return results;
}
