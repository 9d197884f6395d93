import { EventEmitter } from 'node:events';

import pLimit from 'p-limit';

import type { Clock, Link } from '../core/index.js';
import type { AudioLibrary, VadFactory } from '../audio/index.js';
import { runCall, type CallPlan } from './call.js';
import { buildRunPlan } from './plan.js';
import type { CallRecord } from './record.js';
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

/**
 * A run of many calls. Emits `call-start` (CallPlan) and `call-end`
 * (CallRecord); `start()` resolves with every record once all calls ended.
 */
export class LoadRun extends EventEmitter {
  readonly progress: RunProgress;
  private readonly options: LoadRunOptions & { maxCallMs: number; cdrTimeoutMs: number };
  private stopped = false;
  private wakeDialer: (() => void) | undefined;

  constructor(options: LoadRunOptions) {
    super();
    this.options = { ...RUN_DEFAULTS, ...options };
    const total = options.scenario.rows.length * options.scenario.repeats;
    this.progress = { total, dialled: 0, active: 0, done: 0, completed: 0, failed: 0 };
  }

  /** Stops dialling; calls in progress go on to their end. */
  stop(): void {
    this.stopped = true;
    this.wakeDialer?.();
  }

  async start(): Promise<CallRecord[]> {
    const { scenario, clock } = this.options;
    const plan = buildRunPlan(scenario, this.options.audio);
    const runStartedAt = clock.now();
    const limit = pLimit(scenario.maxParallel);
    const records: CallRecord[] = [];
    const calls: Array<Promise<void>> = [];

    for (let index = 0; index < plan.calls.length && !this.stopped; index++) {
      // Waiting here for a free slot, rather than queueing in p-limit, keeps
      // dials spaced when a slot frees instead of releasing a burst.
      await this.waitBeforeDial(plan.dialGapsMs[index]!, () => this.progress.active < scenario.maxParallel);
      if (this.stopped) break;
      const call = plan.calls[index]!;
      this.progress.dialled++;
      this.progress.active++;
      calls.push(limit(() => this.place(call, runStartedAt)).then((record) => {
        records.push(record);
        this.finish(record);
      }));
    }
    await Promise.all(calls);
    return records.sort((a, b) => a.call_id.localeCompare(b.call_id));
  }

  private async waitBeforeDial(gapMs: number, slotFree: () => boolean): Promise<void> {
    if (gapMs > 0) await this.options.clock.sleep(gapMs);
    while (!slotFree() && !this.stopped) {
      await new Promise<void>((resolve) => (this.wakeDialer = resolve));
    }
  }

  private async place(call: CallPlan, runStartedAt: number): Promise<CallRecord> {
    this.emit('call-start', call);
    const vad = this.options.vad.create();
    try {
      return await runCall(
        {
          clock: this.options.clock,
          connect: this.options.connect,
          vad,
          scenario: this.options.scenario,
          contentKnown: this.options.contentKnown,
          runStartedAt,
          maxCallMs: this.options.maxCallMs,
          cdrTimeoutMs: this.options.cdrTimeoutMs,
        },
        call,
      );
    } finally {
      vad.free();
    }
  }

  private finish(record: CallRecord): void {
    this.progress.active--;
    this.progress.done++;
    if (record.result_completed) this.progress.completed++;
    else this.progress.failed++;
    this.emit('call-end', record);
    this.wakeDialer?.();
  }
}
