// Entry point of a validate worker thread: runs the cases the main thread
// sends it, one at a time, and posts each result back. cli/validate-command.ts
// starts it so that cases run on every core.
import { parentPort, workerData } from 'node:worker_threads';

import { loadVad, prepareSpeech } from '../audio/index.js';
import { loadScenario } from '../driver/index.js';
import { defaultScenarioPath, type RunMode } from './run-command.js';
import { speechRequests } from './sweep-command.js';
import { validateCase, type ValidateModeId } from './validate-cases.js';
import { runCase } from './validate-command.js';

/** A case for the worker to run. */
export interface ValidateJob {
  index: number;
  mode: ValidateModeId;
  seed: string;
  strength: number;
}

if (parentPort === null) throw new Error('cli/validate-worker.js runs only as a worker thread started by cli/validate-command.js');
const port = parentPort;
const runMode = (workerData as { mode: RunMode }).mode;

const base = loadScenario(defaultScenarioPath());
const vad = await loadVad();
const audio = await prepareSpeech(speechRequests({ ...base, maxTurns: 2 }), { vad });

port.on('message', (job: ValidateJob | null) => {
  if (job === null) {
    port.close();
    return;
  }
  runCase(validateCase(job.mode, job.strength), job.seed, runMode, base, audio, vad).then(
    (result) => port.postMessage({ index: job.index, result }),
    (err: unknown) => port.postMessage({ index: job.index, error: { code: (err as { code?: string }).code ?? 'VL_VALIDATE_CASE_FAILED', message: (err as Error).message } }),
  );
});
port.postMessage({ ready: true });
