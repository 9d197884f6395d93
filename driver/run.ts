import { EventEmitter } from 'node:events';

import pLimit from 'p-limit';

import { startEventLoopMonitor, type Clock, type Link } from '../core/index.js';
import type { AudioLibrary, VadFactory } from '../audio/index.js';
import { notStartedRecord, startCall, type ActiveCall, type CallContext, type CallPlan } from './call.js';
import { GeneratorMeter, type GeneratorStats } from './generator.js';
import { arrivalTimes, pacedByRate, REDIALLABLE_FAILURES } from './pacing.js';
import { buildRunPlan, type PlannedDial } from './plan.js';
import type { CallRecord } from './record.js';
import type { RecordingStore } from './recorder.js';
import type { Scenario } from './scenario.js';

export interface LoadRunOptions {
  scenario: Scenario;
  clock: Clock;
  /** Opens one caller leg to the switch. */
  connect: () => Promise<Link>;
  audio: AudioLibrary;
  vad: VadFactory;
  /** True when the agent marks its answers, as the built-in mock does. */
  contentKnown: boolean;
  maxCallMs?: number;
  cdrTimeoutMs?: number;
  /** Where calls' audio goes when the run records calls. */
  recordings?: RecordingStore;
  /** Start of every call id, `call` unless set; runs that share a switch and agent need distinct ones. */
  callIdPrefix?: string;
  /**
   * False to keep no record once its `call-end` event has gone out, so a long
   * run's memory stays flat; `RunResult.records` is then empty. True by default.
   */
  keepRecords?: boolean;
}

export const RUN_DEFAULTS: Readonly<{ maxCallMs: number; cdrTimeoutMs: number }> = Object.freeze({
  /** A call still going after this long is hung up. */
  maxCallMs: 300000,
  /** Wait for the switch's call record after hanging up. */
  cdrTimeoutMs: 2000,
});

export interface RunProgress {
  total: number;
  dialled: number;
  active: number;
  done: number;
  completed: number;
  failed: number;
}

export interface RunResult {
  /** Every call's record, by call id; empty when the run keeps no records. */
  records: CallRecord[];
  /** Null on a virtual clock, where the generator's timing is not measured. */
  generator: GeneratorStats | null;
}

/**
 * A run of many calls. Emits `call-start` (CallPlan) and `call-end`
 * (CallRecord); `start()` resolves once every call has ended.
 */
export class LoadRun extends EventEmitter {
  readonly progress: RunProgress;
  private readonly options: LoadRunOptions & { maxCallMs: number; cdrTimeoutMs: number };
  private readonly generator = new GeneratorMeter();
  private readonly records: CallRecord[] = [];
  /** Calls placed and not yet ended. */
  private readonly calls = new Set<Promise<void>>();
  private limit: ReturnType<typeof pLimit> | undefined;
  private runStartedAt = 0;
  private stopped = false;
  private wakeDialer: (() => void) | undefined;
  private readonly active = new Map<string, ActiveCall>();

  constructor(options: LoadRunOptions) {
    super();
    this.options = { ...RUN_DEFAULTS, ...options };
    const total = options.scenario.rows.length * options.scenario.repeats;
    this.progress = { total, dialled: 0, active: 0, done: 0, completed: 0, failed: 0 };
  }

  /** Describes each call in progress and its state, for errors about a stuck run. */
  describeActive(): string[] {
    return [...this.active.values()].map((call) => call.describe());
  }

  /** Stops dialling; calls in progress go on to their end. */
  stop(): void {
    this.stopped = true;
    this.wakeDialer?.();
  }

  async start(): Promise<RunResult> {
    const { scenario, clock } = this.options;
    const plan = buildRunPlan(scenario, this.options.audio, this.options.callIdPrefix);
    const monitor = clock.virtual ? undefined : startEventLoopMonitor();
    this.runStartedAt = clock.now();
    this.limit = pLimit(scenario.maxParallel);

    if (pacedByRate(scenario)) await this.dialAtRate(plan.dials(), arrivalTimes(plan.count, scenario.arrivalRate, scenario.rampUpMs, scenario.seed));
    else await this.dialWithGaps(plan.dials());
    while (this.calls.size > 0) await Promise.all(this.calls);

    const eventLoop = monitor?.stop();
    return {
      records: [...this.records].sort((a, b) => a.call_id.localeCompare(b.call_id)),
      generator: clock.virtual ? null : this.generator.stats(eventLoop?.p99Ms ?? null),
    };
  }

  /** Dials each call its gap after the previous one, waiting for a free slot when `maxParallel` calls are active. */
  private async dialWithGaps(dials: Iterable<PlannedDial>): Promise<void> {
    const { clock, scenario } = this.options;
    for (const { call, gapMs } of dials) {
      if (this.stopped) break;
      if (gapMs > 0) await clock.sleep(gapMs);
      // Waiting here for a free slot, rather than queueing in p-limit, keeps
      // dials spaced when a slot frees instead of releasing a burst.
      while (this.progress.active >= scenario.maxParallel && !this.stopped) {
        await new Promise<void>((resolve) => (this.wakeDialer = resolve));
      }
      if (this.stopped) break;
      this.launch(call);
    }
  }

  /** Dials at the scheduled times; a call due while `maxParallel` calls are active is recorded as not started. */
  private async dialAtRate(dials: Iterable<PlannedDial>, timesMs: Iterator<number>): Promise<void> {
    const { clock, scenario } = this.options;
    for (const { call } of dials) {
      if (this.stopped) break;
      const dueAt = this.runStartedAt + (timesMs.next().value as number);
      const wait = dueAt - clock.now();
      if (wait > 0) await clock.sleep(wait);
      if (this.stopped) break;
      if (this.progress.active >= scenario.maxParallel) {
        this.progress.dialled++;
        this.progress.active++;
        this.finish(notStartedRecord(this.callContextBase(), call, clock.now(), 'driver_cap'));
        continue;
      }
      this.launch(call);
    }
  }

  private launch(call: CallPlan): void {
    this.progress.dialled++;
    this.progress.active++;
    const placed: Promise<void> = this.limit!(() => this.place(call)).then((record) => {
      this.calls.delete(placed);
      this.finish(record);
    });
    this.calls.add(placed);
  }

  private callContextBase(): Pick<CallContext, 'scenario' | 'contentKnown' | 'runStartedAt'> {
    return { scenario: this.options.scenario, contentKnown: this.options.contentKnown, runStartedAt: this.runStartedAt };
  }

  /** Places one call, dialling it again after a CPS or channel rejection while `redial` allows. */
  private async place(call: CallPlan): Promise<CallRecord> {
    const { scenario, clock } = this.options;
    this.emit('call-start', call);
    let record = await this.attempt(call);
    for (let redial = 1; redial <= scenario.redial && REDIALLABLE_FAILURES.has(record.start_failure ?? ''); redial++) {
      await clock.sleep(scenario.redialDelayMs);
      record = { ...(await this.attempt(call)), redials: redial };
    }
    return record;
  }

  private async attempt(call: CallPlan): Promise<CallRecord> {
    const vad = this.options.vad.create();
    try {
      const active = startCall(
        {
          ...this.callContextBase(),
          clock: this.options.clock,
          connect: this.options.connect,
          vad,
          maxCallMs: this.options.maxCallMs,
          cdrTimeoutMs: this.options.cdrTimeoutMs,
          generator: this.generator,
          activeCalls: () => this.progress.active,
          ...(this.options.recordings === undefined ? {} : { recordings: this.options.recordings }),
        },
        call,
      );
      this.active.set(call.callId, active);
      return await active.done;
    } finally {
      this.active.delete(call.callId);
      vad.free();
    }
  }

  private finish(record: CallRecord): void {
    if (this.options.keepRecords !== false) this.records.push(record);
    this.progress.active--;
    this.progress.done++;
    if (record.result_completed) this.progress.completed++;
    else this.progress.failed++;
    this.emit('call-end', record);
    this.wakeDialer?.();
  }
}
