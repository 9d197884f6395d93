import { createWriteStream, mkdirSync, writeFileSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';

import { UsageError } from '../core/index.js';
import type { CallRecord } from '../driver/index.js';

/**
 * Appends each call's record to `calls.jsonl` the moment the call ends, so
 * an interrupted run keeps every call that finished.
 */
export class RecordWriter {
  private readonly stream: WriteStream;
  private failure: Error | undefined;

  constructor(readonly path: string) {
    this.stream = createWriteStream(path, { flags: 'w' });
    this.stream.on('error', (err) => (this.failure = err));
  }

  write(record: CallRecord): void {
    this.stream.write(`${JSON.stringify(record)}\n`);
  }

  /** Flushes and closes the file; rejects if any write failed. */
  close(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.stream.end(() => (this.failure === undefined ? resolve() : reject(this.failure)));
    });
  }
}

/** Creates the output folder, with a usage error naming it when that fails. */
export function prepareOutputDir(dir: string): string {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    throw new UsageError('VL_OUTPUT_DIR', `cannot create output folder ${dir}: ${(err as Error).message}`, 'pass a writable folder with --out');
  }
  return dir;
}

export function writeJson(dir: string, name: string, value: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`);
  return path;
}

/** Default output folder: `results/<UTC timestamp>-<scenario name>`. */
export function defaultOutputDir(startedAt: Date, scenarioName: string): string {
  const stamp = startedAt.toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-');
  return join('results', `${stamp}-${scenarioName}`);
}

/** Writes one JSON value per line. */
export function writeJsonLines(path: string, values: readonly unknown[]): void {
  writeFileSync(path, values.map((value) => `${JSON.stringify(value)}\n`).join(''));
}
