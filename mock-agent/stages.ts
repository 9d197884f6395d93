import type { Clock } from '../core/index.js';

import { STAGE_NAMES, type LatencyModel, type MockConfig, type StageName } from './config.js';
import type { CallRandom } from './random.js';

/** The call and turn a stage runs for. */
export interface StageContext {
  callSid: string;
  /** 1-based turn number within the call. */
  turn: number;
  random: CallRandom;
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

export interface Stage {
  readonly name: StageName;
  /** Waits for admission and the stage's latency; resolves with the ms spent on both. */
  run(context: StageContext): Promise<number>;
}

export type StageTimings = Record<StageName, number>;

/** The stages run in order for one answer, shared by every call of an agent. */
export interface ThinkPipeline {
  readonly stages: readonly Stage[];
  /** Runs every stage in order; resolves with the ms spent in each. */
  run(context: StageContext): Promise<StageTimings>;
}

/** Draws one latency in ms; one normal draw per call whatever sigma is, so other draws keep their place. */
export function sampleLatencyMs(model: LatencyModel, random: CallRandom): number {
  const z = random.normal();
  return model.medianMs * Math.exp(model.sigma * z);
}

export function createStage(name: StageName, model: LatencyModel, clock: Clock, gate: StageGate = UNLIMITED_GATE): Stage {
  return {
    name,
    async run(context) {
      const startedAt = clock.now();
      const release = await gate.acquire(context);
      try {
        await clock.sleep(sampleLatencyMs(model, context.random));
      } finally {
        release();
      }
      return clock.now() - startedAt;
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
      for (const stage of stages) timings[stage.name] = await stage.run(context);
      return timings;
    },
  };
}
