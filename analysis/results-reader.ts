import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

import { UsageError } from '../core/index.js';
import type { CallRecord } from '../driver/index.js';
import type { Summary } from './summary.js';

/** The fields of `run.json` that reports show. The file contains more. */
export interface RunInfo {
  started_at?: string;
  finished_at?: string;
  scenario_path?: string;
  mode?: string;
  version?: string;
  [field: string]: unknown;
}

/** One run folder as read from disk. */
export interface RunResults {
  dir: string;
  summary: Summary;
  records: CallRecord[];
  /** `run.json`, or null when the folder has none. */
  run: RunInfo | null;
  /** Call ids that have `recordings/<call_id>.wav`. */
  recordings: Set<string>;
}

/** True when `dir` is a run folder, which contains `summary.json`. */
export function isRunFolder(dir: string): boolean {
  return existsSync(join(dir, 'summary.json'));
}

/**
 * Reads a run folder: `summary.json` (required), `calls.jsonl`, `run.json`
 * and the names of the recordings. Raises `VL_RESULTS_NOT_FOUND` when the
 * folder or its summary is missing and `VL_RESULTS_INVALID` when a file is
 * not valid JSON.
 */
export function readRunResults(dir: string): RunResults {
  if (!isRunFolder(dir)) {
    throw new UsageError('VL_RESULTS_NOT_FOUND', `${dir} is not a run folder: it has no summary.json`, 'pass the --out folder of a finished `voice-load run`');
  }
  return {
    dir,
    summary: readJson(join(dir, 'summary.json')) as Summary,
    records: readRecords(join(dir, 'calls.jsonl')),
    run: existsSync(join(dir, 'run.json')) ? (readJson(join(dir, 'run.json')) as RunInfo) : null,
    recordings: listRecordings(dir),
  };
}

/** Reads `calls.jsonl`; a missing file gives no records, and a last line cut short by an interrupted run is skipped. */
export function readRecords(path: string): CallRecord[] {
  if (!existsSync(path)) return [];
  const lines = readFileSync(path, 'utf8').split('\n').filter((line) => line.trim() !== '');
  const records: CallRecord[] = [];
  for (const [index, line] of lines.entries()) {
    try {
      records.push(JSON.parse(line) as CallRecord);
    } catch (err) {
      if (index === lines.length - 1) break;
      throw new UsageError('VL_RESULTS_INVALID', `${path} line ${index + 1} is not valid JSON: ${(err as Error).message}`, 'rerun the run, or remove the damaged line');
    }
  }
  return records;
}

function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new UsageError('VL_RESULTS_INVALID', `${path} is not valid JSON: ${(err as Error).message}`, 'rerun the run that wrote it');
  }
}

function listRecordings(dir: string): Set<string> {
  const folder = join(dir, 'recordings');
  if (!existsSync(folder) || !statSync(folder).isDirectory()) return new Set();
  return new Set(readdirSync(folder).filter((name) => name.endsWith('.wav')).map((name) => name.slice(0, -'.wav'.length)));
}

/** One run folder as the dashboard lists it. */
export interface RunListing {
  /** Folder name inside the results folder. */
  name: string;
  started_at: string | null;
  summary: Summary | null;
  /** Read error of the folder; absent when it was read. */
  error?: string;
}

/**
 * Lists the run folders directly inside `dir` (those holding
 * `summary.json`), newest first by `run.json` start time, then by name.
 * A folder whose files cannot be parsed is listed with its error. Symbolic
 * links are skipped, so that every listed run lies inside `dir`.
 */
export function listRunFolders(dir: string): RunListing[] {
  const listings: RunListing[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isDirectory() || !isRunFolder(join(dir, entry.name))) continue;
    listings.push(readListing(dir, entry.name));
  }
  return listings.sort((x, y) => (y.started_at ?? '').localeCompare(x.started_at ?? '') || y.name.localeCompare(x.name));
}

function readListing(dir: string, name: string): RunListing {
  const folder = join(dir, name);
  try {
    const summary = readJson(join(folder, 'summary.json')) as Summary;
    const run = existsSync(join(folder, 'run.json')) ? (readJson(join(folder, 'run.json')) as RunInfo) : null;
    return { name, started_at: typeof run?.started_at === 'string' ? run.started_at : null, summary };
  } catch (err) {
    return { name, started_at: null, summary: null, error: (err as Error).message };
  }
}
