/**
 * Agent speech bursts and response-loop detection. A burst runs from an
 * onset to its answer end; its fingerprint is its duration and the energy
 * envelope of its frames, so two replies that sound the same match even
 * when their bytes differ.
 */

/** What a burst was in the conversation. */
export type BurstKind = 'greeting' | 'answer' | 'talk_over' | 'late_answer' | 'fragment' | 'unprompted';

export interface Burst {
  kind: BurstKind;
  /** Turn the burst belongs to; 0 before the first turn. */
  turn: number;
  onsetAt: number;
  lastVoicedAt: number;
  /** Level of each frame from the onset on, in dBFS (silence as -100). */
  envelope: number[];
}

export const LOOP_DEFAULTS = Object.freeze({
  /** Largest relative difference in duration for two replies to count as the same. */
  maxDurationDifference: 0.05,
  /** Smallest correlation of the resampled energy envelopes for two replies to count as the same. */
  minEnvelopeCorrelation: 0.9,
  /** Points each envelope is resampled to before comparing. */
  envelopePoints: 24,
  /** Loop events (repeated replies, fragments, unprompted speech) in one call that make a response loop. */
  minLoopEvents: 2,
});

export interface LoopAnalysis {
  responseLoop: boolean;
  /** Replies near-identical to a reply of another turn. */
  repeatedReplies: number;
  fragments: number;
  unprompted: number;
}

/** Counts the loop events of one call's bursts. */
export function analyzeLoops(bursts: readonly Burst[], options = LOOP_DEFAULTS): LoopAnalysis {
  const replies = bursts.filter((burst) => burst.kind !== 'greeting' && burst.kind !== 'unprompted');
  let repeatedReplies = 0;
  for (let i = 1; i < replies.length; i++) {
    const earlier = replies.slice(0, i).filter((other) => other.turn !== replies[i]!.turn || other.kind !== replies[i]!.kind);
    if (earlier.some((other) => sameSound(other, replies[i]!, options))) repeatedReplies++;
  }
  const fragments = bursts.filter((burst) => burst.kind === 'fragment').length;
  const unprompted = bursts.filter((burst) => burst.kind === 'unprompted').length;
  return { responseLoop: repeatedReplies + fragments + unprompted >= options.minLoopEvents, repeatedReplies, fragments, unprompted };
}

/** True when two bursts have nearly the same duration and energy envelope. */
export function sameSound(a: Burst, b: Burst, options = LOOP_DEFAULTS): boolean {
  const durationA = a.lastVoicedAt - a.onsetAt;
  const durationB = b.lastVoicedAt - b.onsetAt;
  const longer = Math.max(durationA, durationB);
  if (longer <= 0 || Math.abs(durationA - durationB) / longer > options.maxDurationDifference) return false;
  return correlation(resample(a.envelope, options.envelopePoints), resample(b.envelope, options.envelopePoints)) >= options.minEnvelopeCorrelation;
}

function resample(values: readonly number[], points: number): number[] {
  if (values.length === 0) return new Array<number>(points).fill(0);
  const result: number[] = [];
  for (let point = 0; point < points; point++) {
    const from = Math.floor((point * values.length) / points);
    const to = Math.max(from + 1, Math.floor(((point + 1) * values.length) / points));
    let sum = 0;
    for (let i = from; i < to; i++) sum += values[i]!;
    result.push(sum / (to - from));
  }
  return result;
}

function correlation(a: readonly number[], b: readonly number[]): number {
  const meanA = a.reduce((sum, value) => sum + value, 0) / a.length;
  const meanB = b.reduce((sum, value) => sum + value, 0) / b.length;
  let product = 0;
  let squaresA = 0;
  let squaresB = 0;
  for (let i = 0; i < a.length; i++) {
    product += (a[i]! - meanA) * (b[i]! - meanB);
    squaresA += (a[i]! - meanA) ** 2;
    squaresB += (b[i]! - meanB) ** 2;
  }
  if (squaresA === 0 || squaresB === 0) return squaresA === squaresB ? 1 : 0;
  return product / Math.sqrt(squaresA * squaresB);
}
