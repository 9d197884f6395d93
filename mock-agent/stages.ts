import type { Clock } from '../core/index.js';

import { STAGE_NAMES, type LatencyModel, type MockConfig, type StageName } from './config.js';
import type { CallRandom } from './random.js';

/** The call and turn a stage runs for. */
export interface StageContext {
  callSid: string;
  /** 1-based turn number within the call. */
  turn: number;
  random: CallRandom;
  /**
   * Scheduled time at which the first stage may begin. Each stage's wait is
   * measured from the scheduled end of the one before, not from when its
   * timer actually fired, so timer lateness does not add up across stages.
   */
  startAt?: number;
}

/** Gives back what `StageGate.acquire` took. */
export type ReleaseStage = () => void;

/**
 * Admission around a stage's wait: a slot pool, a rate limit or both. A
 * stage awaits `acquire` before its latency starts and calls the release
 * when its latency ends, even when the wait throws.
 */
export interface StageGate {
  acquire(context: StageContext): Promise<ReleaseStage>;
}

/** Admits every request at once. */
export const UNLIMITED_GATE: StageGate = Object.freeze({
  acquire: () => Promise.resolve(() => undefined),
});

/** What one stage took: ms from its scheduled start, and its scheduled end. */
export interface StageOutcome {
  spentMs: number;
  endAt: number;
}

export interface Stage {
  readonly name: StageName;
  /** Waits for admission and the stage's latency from `startAt`, and resolves with what it took. */
  run(context: StageContext, startAt: number): Promise<StageOutcome>;
}

export type StageTimings = Record<StageName, number>;

/** The stages run in order for one answer, shared by every call of an agent. */
export interface ThinkPipeline {
  readonly stages: readonly Stage[];
  /** Runs every stage in order and resolves with the ms spent in each. */
  run(context: StageContext): Promise<StageTimings>;
}

/**
 * Draws one latency in ms. It takes one normal draw whatever sigma is, so the
 * call's later draws stay the same when only sigma changes.
 */
export function sampleLatencyMs(model: LatencyModel, random: CallRandom): number {
  const z = random.normal();
  return model.medianMs * Math.exp(model.sigma * z);
}

/** Admission later than this past the scheduled start counts as a wait in the queue. */
const ADMISSION_SLACK_MS = 2;

export function createStage(name: StageName, model: LatencyModel, clock: Clock, gate: StageGate = UNLIMITED_GATE): Stage {
  return {
    name,
    async run(context, startAt) {
      const release = await gate.acquire(context);
      // Admission that waited starts the latency late; one that did not keeps the schedule.
      const begin = Math.max(startAt, clock.now() - ADMISSION_SLACK_MS);
      const endAt = begin + sampleLatencyMs(model, context.random);
      try {
        await clock.sleep(endAt - clock.now());
      } finally {
        release();
      }
      return { spentMs: endAt - startAt, endAt };
    },
  };
}

/** Builds the speech-to-text, LLM and TTS stages from `config`, each unlimited. */
export function createThinkPipeline(config: Pick<MockConfig, 'stages'>, clock: Clock): ThinkPipeline {
  const stages = STAGE_NAMES.map((name) => createStage(name, config.stages[name], clock));

  return {
    stages,
    async run(context) {
      const timings = {} as StageTimings;
      let startAt = context.startAt ?? clock.now();
      for (const stage of stages) {
        const outcome = await stage.run(context, startAt);
        timings[stage.name] = outcome.spentMs;
        startAt = outcome.endAt;
      }
      return timings;
    },
  };
}
