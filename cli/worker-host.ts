import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

import { UsageError, VoiceLoadError, type Clock, type Logger } from '../core/index.js';
import type { MockConfigOverrides } from '../mock-agent/index.js';
import type { SwitchMetricsSample, SwitchModelOptions } from '../telephony-sim/index.js';
import type { RunServers } from './embedded.js';

/** `workerData` of the server worker. */
export interface ServerWorkerData {
  seed: string;
  /** Dialled number that the switch routes to the agent. */
  number: string;
  /** `mock`, or the ws:// URL of a real agent. */
  target: string;
  mockConfig: MockConfigOverrides;
  switchOptions: SwitchModelOptions;
  /** Texts the mock may speak beyond its bundled clips, synthesized (from the cache) before it starts. */
  agentTexts: string[];
}

/** A VoiceLoadError's fields, which survive the structured clone between threads. */
export interface SerializedError {
  code: string;
  message: string;
  hint: string;
  usage: boolean;
}

/**
 * Message to the worker: `close` closes every server, then lets the thread
 * exit. `sample-switch` requests a `switch-sample` reply with the same `id`.
 */
export type ServerWorkerRequest = { type: 'close' } | { type: 'sample-switch'; id: number };

/** Message from the worker. */
export type ServerWorkerReply =
  | { type: 'listening'; switchUrl: string; agentUrl: string }
  | { type: 'failed'; error: SerializedError }
  | { type: 'closed' }
  | { type: 'switch-sample'; id: number; sample: SwitchMetricsSample };

/** Code of a worker error that carries no VL_* code of its own. */
export const WORKER_FAILED_CODE = 'VL_SERVER_WORKER_FAILED';

export const SERVER_WORKER_DEFAULTS = Object.freeze({
  /** Max ms from starting the thread to its servers listening, prepared audio and VAD loading included. */
  startTimeoutMs: 60_000,
  /** Max ms for the thread to close its servers and exit before it is terminated. */
  closeTimeoutMs: 10_000,
});

/** Servers running in a worker thread. */
export interface WorkerServers extends RunServers {
  agentUrl: string;
  /** Calls `listener` once if the thread fails or exits before `close`. */
  onFailure(listener: (err: VoiceLoadError) => void): void;
  sampleSwitch(signal: AbortSignal): Promise<SwitchMetricsSample>;
}

/**
 * Returns the worker's entry file: `worker.js` beside this module when it
 * exists (the compiled CLI), else `worker.ts` when this module itself runs
 * from TypeScript source under a loader that the worker inherits through
 * `execArgv`, else undefined.
 */
export function serverWorkerEntry(moduleUrl: string = import.meta.url): URL | undefined {
  const compiled = new URL('./worker.js', moduleUrl);
  if (existsSync(fileURLToPath(compiled))) return compiled;

  const source = new URL('./worker.ts', moduleUrl);
  if (moduleUrl.endsWith('.ts') && existsSync(fileURLToPath(source))) return source;
  return undefined;
}

/**
 * Starts the switch and the mock agent in a worker thread and resolves once
 * both listen. Rejects with the worker's own coded error when its servers
 * fail to start, VL_SERVER_WORKER_FAILED when the thread throws,
 * VL_SERVER_WORKER_EXITED when it exits first, and VL_SERVER_WORKER_TIMEOUT
 * after `startTimeoutMs`.
 */
export function startWorkerServers(entry: URL, data: ServerWorkerData, clock: Clock, logger: Logger, limits = SERVER_WORKER_DEFAULTS): Promise<WorkerServers> {
  return new ServerWorker(new Worker(entry, { workerData: data }), clock, logger, limits).start();
}

type Phase = 'starting' | 'running' | 'closing' | 'done';

/** The main thread's side of one server worker, from start to exit. */
class ServerWorker implements WorkerServers {
  switchUrl = '';
  agentUrl = '';
  private phase: Phase = 'starting';
  private exited = false;
  /** Settles the promise returned by `start`, while the phase is `starting`. */
  private settleStart: (outcome: { type: 'listening'; switchUrl: string; agentUrl: string } | VoiceLoadError) => void = () => undefined;
  private failure: VoiceLoadError | undefined;
  private readonly failureListeners: Array<(err: VoiceLoadError) => void> = [];
  private closeError: VoiceLoadError | undefined;
  private nextSampleId = 1;
  /** Callbacks of the `sample-switch` requests awaiting their reply, by id. */
  private readonly pendingSamples = new Map<number, { resolve: (sample: SwitchMetricsSample) => void; reject: (err: unknown) => void }>();

  constructor(
    private readonly worker: Worker,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly limits: typeof SERVER_WORKER_DEFAULTS,
  ) {
    worker.on('message', (reply: ServerWorkerReply) => this.receive(reply));
    worker.on('error', (err) => this.handleError(threadError(err)));
    worker.on('exit', (exitCode) => {
      this.exited = true;
      this.rejectPendingSamples(exitedError(exitCode));
      this.handleError(exitedError(exitCode));
    });
  }

  start(): Promise<WorkerServers> {
    return new Promise<WorkerServers>((resolve, reject) => {
      const timer = this.clock.setTimer(() => this.settleStart(timeoutError(this.limits.startTimeoutMs)), this.limits.startTimeoutMs);
      this.settleStart = (outcome) => {
        if (this.phase !== 'starting') return;
        this.clock.clearTimer(timer);
        if (outcome instanceof VoiceLoadError) {
          this.phase = 'done';
          void this.worker.terminate();
          reject(outcome);
          return;
        }
        this.phase = 'running';
        this.switchUrl = outcome.switchUrl;
        this.agentUrl = outcome.agentUrl;
        resolve(this);
      };
    });
  }

  onFailure(listener: (err: VoiceLoadError) => void): void {
    if (this.failure !== undefined) listener(this.failure);
    else this.failureListeners.push(listener);
  }

  /**
   * Requests a sample of the switch's metrics from the worker, taken on
   * the worker's clock. Rejects unless the servers are running, when the thread
   * fails or exits first, and with `signal.reason` when `signal` aborts.
   */
  sampleSwitch(signal: AbortSignal): Promise<SwitchMetricsSample> {
    if (this.phase !== 'running' || this.exited) return Promise.reject(new Error(`server worker is ${this.exited ? 'exited' : this.phase}, not running`));
    if (signal.aborted) return Promise.reject(signal.reason);

    const id = this.nextSampleId++;
    return new Promise<SwitchMetricsSample>((resolve, reject) => {
      const abort = () => {
        this.pendingSamples.delete(id);
        reject(signal.reason);
      };
      signal.addEventListener('abort', abort, { once: true });
      const settle = () => {
        this.pendingSamples.delete(id);
        signal.removeEventListener('abort', abort);
      };
      this.pendingSamples.set(id, {
        resolve: (sample) => {
          settle();
          resolve(sample);
        },
        reject: (err) => {
          settle();
          reject(err);
        },
      });
      this.worker.postMessage({ type: 'sample-switch', id } satisfies ServerWorkerRequest);
    });
  }

  /**
   * Asks the worker to close its servers and resolves when the thread has
   * exited, terminating it after `closeTimeoutMs`. Rejects with the worker's
   * error if closing failed.
   */
  close(): Promise<void> {
    if (this.phase !== 'running' || this.exited) return Promise.resolve();
    this.phase = 'closing';

    return new Promise<void>((resolve, reject) => {
      const timer = this.clock.setTimer(() => {
        this.logger.warn({ closeTimeoutMs: this.limits.closeTimeoutMs }, 'server worker did not exit after closing its servers, terminating it');
        void this.worker.terminate();
      }, this.limits.closeTimeoutMs);
      this.worker.once('exit', () => {
        this.clock.clearTimer(timer);
        this.phase = 'done';
        if (this.closeError === undefined) resolve();
        else reject(this.closeError);
      });
      this.worker.postMessage({ type: 'close' } satisfies ServerWorkerRequest);
    });
  }

  private receive(reply: ServerWorkerReply): void {
    if (reply.type === 'listening') this.settleStart(reply);
    if (reply.type === 'switch-sample') this.pendingSamples.get(reply.id)?.resolve(reply.sample);
    if (reply.type !== 'failed') return;

    const err = deserializeError(reply.error);
    if (this.phase === 'closing') this.closeError = err;
    else this.handleError(err);
  }

  /** Rejects `start` while starting, and reports a failure to the listeners while running. */
  private handleError(err: VoiceLoadError): void {
    if (this.phase === 'starting') {
      this.logger.error({ err, code: err.code }, 'server worker failed to start');
      return this.settleStart(err);
    }
    if (this.phase !== 'running' || this.failure !== undefined) return;

    this.failure = err;
    this.logger.error({ err, code: err.code }, 'server worker failed during the run');
    this.rejectPendingSamples(err);
    for (const listener of this.failureListeners) listener(err);
  }

  private rejectPendingSamples(err: VoiceLoadError): void {
    for (const pending of [...this.pendingSamples.values()]) pending.reject(err);
  }
}

function deserializeError(error: SerializedError): VoiceLoadError {
  return error.usage ? new UsageError(error.code, error.message, error.hint) : new VoiceLoadError(error.code, error.message, error.hint);
}

function threadError(err: unknown): VoiceLoadError {
  const message = err instanceof Error ? err.message : String(err);
  return new VoiceLoadError(WORKER_FAILED_CODE, `server worker failed: ${message}`, 'see the error logged on stderr above');
}

function exitedError(exitCode: number): VoiceLoadError {
  return new VoiceLoadError('VL_SERVER_WORKER_EXITED', `server worker exited with code ${exitCode} before it was asked to close`, 'see the error logged on stderr above');
}

function timeoutError(startTimeoutMs: number): VoiceLoadError {
  return new VoiceLoadError('VL_SERVER_WORKER_TIMEOUT', `switch and mock agent did not start listening within ${startTimeoutMs} ms`, 'check that the prepared audio loads (`npm run prepare-audio`) and that nothing blocks 127.0.0.1');
}
