import type { GeneratorStats } from '../driver/index.js';

/** Limits past which a live run's figures say more about the load generator than the agent. */
export const GENERATOR_LIMITS = Object.freeze({
  sendLagP99Ms: 10,
  receiveLagP99Ms: 10,
  minFramesSentRatio: 0.999,
});

export interface GeneratorHealth {
  /** False when the generator could not keep its own schedule; the figures are then suspect. */
  valid: boolean;
  reasons: string[];
  send_lag_ms: { p50: number | null; p99: number | null };
  receive_lag_ms: { p50: number | null; p99: number | null };
  frames_sent_ratio: number | null;
  event_loop_delay_ms: { p99: number | null };
}

/** Judges a live run's generator figures against GENERATOR_LIMITS. */
export function judgeGenerator(stats: GeneratorStats): GeneratorHealth {
  const ratio = stats.framesExpected === 0 ? null : round(stats.framesSent / stats.framesExpected, 5);
  const reasons: string[] = [];
  if (stats.sendLagMs.p99 !== null && stats.sendLagMs.p99 > GENERATOR_LIMITS.sendLagP99Ms) {
    reasons.push(`send lag p99 ${round(stats.sendLagMs.p99, 2)} ms is over ${GENERATOR_LIMITS.sendLagP99Ms} ms`);
  }
  if (stats.receiveLagMs.p99 !== null && stats.receiveLagMs.p99 > GENERATOR_LIMITS.receiveLagP99Ms) {
    reasons.push(`receive lag p99 ${round(stats.receiveLagMs.p99, 2)} ms is over ${GENERATOR_LIMITS.receiveLagP99Ms} ms`);
  }
  if (ratio !== null && ratio < GENERATOR_LIMITS.minFramesSentRatio) {
    reasons.push(`frames sent ratio ${ratio} is under ${GENERATOR_LIMITS.minFramesSentRatio}`);
  }
  return {
    valid: reasons.length === 0,
    reasons,
    send_lag_ms: { p50: roundOrNull(stats.sendLagMs.p50), p99: roundOrNull(stats.sendLagMs.p99) },
    receive_lag_ms: { p50: roundOrNull(stats.receiveLagMs.p50), p99: roundOrNull(stats.receiveLagMs.p99) },
    frames_sent_ratio: ratio,
    event_loop_delay_ms: { p99: stats.eventLoopDelayP99Ms },
  };
}

function roundOrNull(value: number | null): number | null {
  return value === null ? null : round(value, 2);
}

function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}
