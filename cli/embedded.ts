import type { AudioLibrary, VadFactory } from '../audio/index.js';
import { PeriodicSchedule, type Clock, type Logger, type VoiceLoadError } from '../core/index.js';
import type { RunResult } from '../driver/index.js';
import { startMockAgentServer, type MockAgentServer, type MockConfigOverrides } from '../mock-agent/index.js';
import { startSwitchServer, type SwitchMetricsSample, type SwitchModelOptions, type SwitchServer } from '../telephony-sim/index.js';
import { fetchSwitchMetrics, switchMetricsUrl } from './servers.js';
import { SWITCH_SAMPLE_INTERVAL_MS } from './simulation.js';

/** The servers a run dials: started in this process, in a worker thread, or already running elsewhere. */
export interface RunServers {
  /** Caller-leg URL of the switch. */
  switchUrl: string;
  /** Agent URL the switch routes the scenario's number to, when this process started the switch. */
  agentUrl: string | undefined;
  /** Stops the servers this process started. It does nothing for a switch running elsewhere. */
  close(): Promise<void>;
  /** Calls `listener` once if servers in another thread fail after starting. Absent where failures surface as thrown errors. */
  onFailure?(listener: (err: VoiceLoadError) => void): void;
  /**
   * Reads the metrics of the switch this process started, on the switch's
   * clock. Absent for a switch running elsewhere, whose metrics are read
   * from its `GET /metrics`.
   */
  sampleSwitch?(signal: AbortSignal): Promise<SwitchMetricsSample>;
}

/** The switch, and the mock agent when the target is `mock`, listening on 127.0.0.1. */
export interface EmbeddedServers extends RunServers {
  agentUrl: string;
  mock: MockAgentServer | undefined;
  switchServer: SwitchServer;
}

export interface EmbeddedOptions {
  clock: Clock;
  audio: AudioLibrary;
  vad: VadFactory;
  seed: string;
  /** Dialled number that the switch routes to the agent. */
  number: string;
  /** `mock`, or the ws:// URL of a real agent. */
  target: string;
  mockConfig?: MockConfigOverrides;
  switchOptions?: SwitchModelOptions;
  logger: Logger;
}

/** Starts the servers of the default run in this process, on ephemeral ports. */
export async function startEmbeddedServers(options: EmbeddedOptions): Promise<EmbeddedServers> {
  const mock =
    options.target === 'mock'
      ? await startMockAgentServer({
          clock: options.clock,
          audio: options.audio,
          vad: options.vad,
          seed: options.seed,
          config: options.mockConfig ?? {},
          logger: options.logger.child({ component: 'mock-agent' }),
        })
      : undefined;
  const agentUrl = mock?.url ?? options.target;

  let switchServer: SwitchServer;
  try {
    switchServer = await startSwitchServer({
      ...options.switchOptions,
      clock: options.clock,
      routes: { [options.number]: agentUrl },
      seed: options.seed,
      logger: options.logger.child({ component: 'switch' }),
    });
  } catch (err) {
    await mock?.close();
    throw err;
  }

  return {
    switchUrl: switchServer.url,
    agentUrl,
    mock,
    switchServer,
    sampleSwitch: async () => switchServer.core.sampleMetrics(),
    async close() {
      await switchServer.close();
      await mock?.close();
    },
  };
}

/**
 * One sample of a live run's switch metrics: `run_ms` from the run's start
 * on the driver's clock, then the fields the switch reported. A switch
 * read over HTTP may lack some fields (see `parseSwitchMetricsText`).
 */
export type LiveSwitchSample = Partial<SwitchMetricsSample> & { run_ms: number };

/** A live run's records, plus the switch's metrics sampled every SWITCH_SAMPLE_INTERVAL_MS while it ran. */
export interface LiveRunResult extends RunResult {
  switchSamples: LiveSwitchSample[];
}

/** A source of switch metrics: `read` rejects on failure and should stop early when `signal` aborts. */
export interface SwitchMetricsReader {
  /** Name of the metrics source in logs, such as the metrics URL. */
  source: string;
  read(signal: AbortSignal): Promise<Partial<SwitchMetricsSample>>;
}

/**
 * Runs `run` while sampling the switch of `servers` every
 * SWITCH_SAMPLE_INTERVAL_MS of `clock`, from just before `run` starts until
 * it settles. A failed read costs only its own sample (see SwitchSampler).
 */
export async function runWithSwitchSamples(servers: RunServers, clock: Clock, logger: Logger, run: () => Promise<RunResult>): Promise<LiveRunResult> {
  const sampler = new SwitchSampler(switchMetricsReader(servers, clock), clock, logger);
  let result: RunResult;
  try {
    result = await run();
  } finally {
    await sampler.stop();
  }
  return { ...result, switchSamples: sampler.samples };
}

/**
 * Reads the switch through `servers.sampleSwitch` when this process started
 * it, else from `GET /metrics` beside its caller leg. The text of
 * `/metrics` has no timestamp, so `at` there is the time on `clock` when the
 * response arrived.
 */
export function switchMetricsReader(servers: RunServers, clock: Clock): SwitchMetricsReader {
  const sampleSwitch = servers.sampleSwitch?.bind(servers);
  if (sampleSwitch !== undefined) return { source: 'built-in switch', read: sampleSwitch };

  const metricsUrl = switchMetricsUrl(servers.switchUrl);
  return {
    source: metricsUrl,
    async read(signal) {
      const fields = await fetchSwitchMetrics(metricsUrl, signal);
      return { at: clock.now(), ...fields };
    },
  };
}

/**
 * Reads the switch's metrics every `intervalMs` on `clock`, starting at once.
 * Each read gets `intervalMs` to settle, and is then aborted and counted as
 * failed, so a slow or dead switch never delays the next read or `stop`
 * by more than that. The first failure is logged as a warning and later
 * ones only leave their samples out.
 */
export class SwitchSampler {
  /** Samples in `run_ms` order once `stop` has resolved. */
  readonly samples: LiveSwitchSample[] = [];
  readonly startMs: number;
  private readonly schedule: PeriodicSchedule;
  private readonly reads = new Set<Promise<void>>();
  private failures = 0;

  constructor(
    private readonly reader: SwitchMetricsReader,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly intervalMs = SWITCH_SAMPLE_INTERVAL_MS,
  ) {
    this.startMs = clock.now();
    this.schedule = new PeriodicSchedule(clock, this.startMs, intervalMs, (scheduledMs) => this.readAt(scheduledMs));
  }

  /** Reads that failed or timed out so far. */
  get failedReads(): number {
    return this.failures;
  }

  /** Stops reading and resolves once the reads already started have settled. */
  async stop(): Promise<void> {
    this.schedule.stop();
    await Promise.all([...this.reads]);
    this.samples.sort((a, b) => a.run_ms - b.run_ms);
  }

  private readAt(scheduledMs: number): void {
    const controller = new AbortController();
    const deadline = this.clock.setTimer(() => controller.abort(new Error(`no reply from ${this.reader.source} within ${this.intervalMs} ms`)), this.intervalMs);
    const read = Promise.race([this.reader.read(controller.signal), rejectOnAbort(controller.signal)]).then(
      (fields) => {
        this.samples.push({ run_ms: scheduledMs - this.startMs, ...fields });
      },
      (err: unknown) => this.recordFailure(err),
    );
    const settled = read.finally(() => {
      this.clock.clearTimer(deadline);
      this.reads.delete(settled);
    });
    this.reads.add(settled);
  }

  private recordFailure(err: unknown): void {
    this.failures++;
    if (this.failures > 1) return;
    this.logger.warn({ err, source: this.reader.source }, 'reading switch metrics failed, so switch-metrics.jsonl lacks this sample. The run goes on, and later failed reads are not logged');
  }
}

/** Rejects with `signal.reason` once `signal` aborts, so a reader that ignores the signal cannot hold a read open. */
function rejectOnAbort(signal: AbortSignal): Promise<never> {
  return new Promise<never>((_resolve, reject) => {
    if (signal.aborted) reject(signal.reason);
    else signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}
