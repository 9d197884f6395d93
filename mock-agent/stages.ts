import type { Clock } from '../core/index.js';

import { STAGE_NAMES, type LatencyModel, type StageName } from './config.js';
import type { CallFaults, FaultState } from './faults.js';
import type { CallRandom } from './random.js';

/** The call and turn a stage runs for. */
export interface StageContext {
  callSid: string;
  /** 1-based turn number within the call, 0 for the greeting. */
  turn: number;
  random: CallRandom;
  call: CallFaults;
  /**
   * Scheduled time at which the first stage may begin. Each stage's wait is
   * measured from the scheduled end of the one before, not from when its
   * timer actually fired, so timer lateness does not add up across stages.
   */
  startAt?: number;
  /**
   * Sends the first `share` of the answer's audio now, as a TTS stream that
   * stalls does, stopping at `stopAt` if pacing has not sent it all by then.
   */
  /** Sends the first `share` of the answer and returns how many ms of audio that is. */
  sendFragment?(share: number, stopAt: number): number;
}

/** Why a stage gave up on an answer: its last attempt timed out, or the rate limit rejected it. */
export type DropReason = 'timeout' | 'rate_limit';

/** What a stage took: ms from its scheduled start, its end, and the reason when it dropped the answer. */
export interface StageOutcome {
  spentMs: number;
  endAt: number;
  dropped?: DropReason;
}

export interface Stage {
  readonly name: StageName;
  /** Waits for admission and the stage's latency from `startAt`, with timeouts and retries, and resolves with what it took. */
  run(context: StageContext, startAt: number): Promise<StageOutcome>;
}

export type StageTimings = Record<StageName, number>;

/** An answer's think time: the ms spent in each stage, and where and why it was dropped if it was. */
export type ThinkResult = { answered: true; stageMs: StageTimings } | { answered: false; stageMs: StageTimings; droppedIn: StageName; reason: DropReason };

/** The stages run in order for one answer, shared by every call of an agent. */
export interface ThinkPipeline {
  readonly stages: readonly Stage[];
  /** Runs every stage in order until one drops the answer. */
  run(context: StageContext): Promise<ThinkResult>;
  /**
   * Passes an utterance that needs no think time, such as the greeting,
   * through the TTS rate limit and slots. Resolves with the time it may be
   * sent, or null when the rate limit drops it.
   */
  admitUtterance(context: StageContext): Promise<number | null>;
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
/** Range of the share of an answer that a timed-out TTS attempt streams before it stalls. */
const FRAGMENT_SHARE_MIN = 0.3;
const FRAGMENT_SHARE_MAX = 0.6;
/**
 * Silence after a fragment has played before the agent gives up on the
 * stalled TTS stream and retries: it notices the stall when its playback
 * runs dry, so the caller hears the fragment, a pause, then the repeat.
 */
const FRAGMENT_STALL_MS = 1200;

/**
 * Creates the stage `name`, whose latency, slots, rate limit and timeout come
 * from `faults.config` as each attempt starts. An attempt whose drawn latency
 * exceeds the timeout is abandoned at the timeout and enters the stage again
 * with a new draw, while its slot stays taken until the drawn latency ends,
 * because the provider goes on serving it. A timed-out TTS attempt first
 * streams part of the answer, so the caller hears a fragment and then the
 * whole answer from the retry.
 */
export function createStage(name: StageName, faults: FaultState, clock: Clock): Stage {
  return {
    name,
    async run(context, startAt) {
      let requestAt = startAt;
      for (let attempt = 0; ; attempt++) {
        faults.requestStarted(name);
        try {
          const outcome = await runAttempt(name, faults, clock, context, requestAt);
          if (outcome.timedOutAt === undefined) return { spentMs: outcome.endAt - startAt, endAt: outcome.endAt, ...(outcome.dropped === undefined ? {} : { dropped: outcome.dropped }) };

          if (attempt >= faults.config.stages[name].retries) return { spentMs: outcome.timedOutAt - startAt, endAt: outcome.timedOutAt, dropped: 'timeout' };
          faults.countRetry(name);
          requestAt = outcome.timedOutAt;
        } finally {
          faults.requestEnded(name);
        }
      }
    },
  };
}

interface AttemptOutcome {
  endAt: number;
  dropped?: DropReason;
  /** Set when the attempt timed out: when the agent abandoned it. */
  timedOutAt?: number;
}

async function runAttempt(name: StageName, faults: FaultState, clock: Clock, context: StageContext, requestAt: number): Promise<AttemptOutcome> {
  const config = faults.config.stages[name];
  const release = await faults.admit(name, context.call, context.random);
  if (release === null) return { endAt: clock.now(), dropped: 'rate_limit' };

  // Admission that waited starts the latency late; one that did not keeps the schedule.
  const begin = Math.max(requestAt, clock.now() - ADMISSION_SLACK_MS);
  const latencyMs = sampleLatencyMs(config, context.random) + (name === 'llm' ? faults.extraLlmMs(context.call) : 0);
  const timeoutMs = faults.isActive(config.startAfterMs) ? config.timeoutMs : null;

  if (timeoutMs === null || latencyMs <= timeoutMs) {
    try {
      return { endAt: await faults.sleepUntil(begin + latencyMs, context.call.signal) };
    } finally {
      release();
    }
  }

  faults.countTimeout(name);
  try {
    let timedOutAt = begin + timeoutMs;
    if (name === 'tts' && context.sendFragment !== undefined) {
      const sentAt = await faults.sleepUntil(begin + Math.min(config.medianMs, timeoutMs / 2), context.call.signal);
      const share = FRAGMENT_SHARE_MIN + (FRAGMENT_SHARE_MAX - FRAGMENT_SHARE_MIN) * context.random.uniform();
      const fragmentMs = context.sendFragment(share, faults.resume(begin + timeoutMs));
      faults.countFragment();
      timedOutAt = Math.max(timedOutAt, sentAt + fragmentMs + FRAGMENT_STALL_MS);
    }
    return { endAt: begin + latencyMs, timedOutAt: await faults.sleepUntil(timedOutAt, context.call.signal) };
  } finally {
    faults.releaseAt(release, begin + latencyMs);
  }
}

/** Builds the speech-to-text, LLM and TTS stages over the agent's fault state. */
export function createThinkPipeline(faults: FaultState, clock: Clock): ThinkPipeline {
  const stages = STAGE_NAMES.map((name) => createStage(name, faults, clock));

  return {
    stages,

    async run(context) {
      const stageMs: StageTimings = { stt: 0, llm: 0, tts: 0 };
      let startAt = context.startAt ?? clock.now();
      for (const stage of stages) {
        const outcome = await stage.run(context, startAt);
        stageMs[stage.name] = outcome.spentMs;
        if (outcome.dropped !== undefined) {
          faults.countDropped(stage.name);
          return { answered: false, stageMs, droppedIn: stage.name, reason: outcome.dropped };
        }
        startAt = outcome.endAt;
      }
      return { answered: true, stageMs };
    },

    async admitUtterance(context) {
      faults.requestStarted('tts');
      try {
        const release = await faults.admit('tts', context.call, context.random);
        if (release === null) {
          faults.countDropped('tts');
          return null;
        }
        release();
        // Outside a stall the utterance goes out in this same turn of the event loop.
        const now = clock.now();
        return faults.resume(now) === now ? now : await faults.sleepUntil(now, context.call.signal);
      } finally {
        faults.requestEnded('tts');
      }
    },
  };
}
