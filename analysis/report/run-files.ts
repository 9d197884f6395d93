import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { UsageError } from '../../core/index.js';

/** File name of the run's diagnosis, written by `voice-load run` and `voice-load analyze`. */
export const FINDINGS_FILE = 'findings.json';

/** File name of the switch's metrics sampled during the run. */
export const SWITCH_METRICS_FILE = 'switch-metrics.jsonl';

/** `findings.json` as read from disk: a findings list, the other fields unchecked. */
export interface StoredDiagnosis {
  findings: unknown[];
  insufficient?: unknown;
  modesTested?: unknown;
  alpha?: unknown;
}

/**
 * The optional files of a run folder that only the report reads. Their
 * fields are parsed but not type-checked, because a run folder may come
 * from another version of the tool.
 */
export interface ReportFiles {
  /** `findings.json`, or null when the folder has none. */
  findings: StoredDiagnosis | null;
  /** One value per line of `switch-metrics.jsonl`, or null when the folder has none. */
  switchSamples: unknown[] | null;
}

/**
 * Reads `findings.json` and `switch-metrics.jsonl` from a run folder.
 * Raises `VL_RESULTS_INVALID` when `findings.json` is not valid JSON or has
 * no findings list, or when a line of `switch-metrics.jsonl` other than the
 * last is not valid JSON.
 */
export function readReportFiles(dir: string): ReportFiles {
  return {
    findings: readFindings(join(dir, FINDINGS_FILE)),
    switchSamples: readJsonLines(join(dir, SWITCH_METRICS_FILE)),
  };
}

function readFindings(path: string): StoredDiagnosis | null {
  if (!existsSync(path)) return null;
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new UsageError('VL_RESULTS_INVALID', `${path} is not valid JSON: ${(err as Error).message}`, 'run `voice-load analyze` on the run folder to write it again');
  }
  if (typeof value !== 'object' || value === null || !Array.isArray((value as { findings?: unknown }).findings)) {
    throw new UsageError('VL_RESULTS_INVALID', `${path} is not a diagnosis: it has no findings list`, 'run `voice-load analyze` on the run folder to write it again');
  }
  return value as StoredDiagnosis;
}

/** Reads a JSON Lines file. A last line cut short by an interrupted write is skipped, as in `calls.jsonl`. */
function readJsonLines(path: string): unknown[] | null {
  if (!existsSync(path)) return null;
  const lines = readFileSync(path, 'utf8').split('\n').filter((line) => line.trim() !== '');
  const values: unknown[] = [];
  for (const [index, line] of lines.entries()) {
    try {
      values.push(JSON.parse(line));
    } catch (err) {
      if (index === lines.length - 1) break;
      throw new UsageError('VL_RESULTS_INVALID', `${path} line ${index + 1} is not valid JSON: ${(err as Error).message}`, 'rerun the run, or remove the damaged line');
    }
  }
  return values;
}
