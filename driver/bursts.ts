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
  /** Smallest share of a reply that a cut-off start must be to count as its repeat. */
  minRepeatedShare: 0.2,
  /** Loop events (repeated replies, fragments, unprompted speech) in one call that make a response loop. */
  minLoopEvents: 2,
});

export interface LoopAnalysis {
  responseLoop: boolean;
  /** Replies near-identical to an earlier reply, or repeating its start. */
  repeatedReplies: number;
  fragments: number;
  /** Speech while nobody asked: before the first turn, or over the caller's speech. */
  unprompted: number;
}

/** Counts the loop events of one call's bursts. */
export function analyzeLoops(bursts: readonly Burst[], options = LOOP_DEFAULTS): LoopAnalysis {
  const replies = bursts.filter((burst) => burst.kind !== 'greeting' && burst.kind !== 'unprompted');
  let repeatedReplies = 0;
  for (let i = 1; i < replies.length; i++) {
    const earlier = replies.slice(0, i).filter((other) => other.turn !== replies[i]!.turn || other.kind !== replies[i]!.kind);
    if (earlier.some((other) => sameSound(other, replies[i]!, options) || repeatsStart(other, replies[i]!, options))) repeatedReplies++;
  }
  const fragments = bursts.filter((burst) => burst.kind === 'fragment').length;
  const unprompted = bursts.filter((burst) => burst.kind === 'unprompted' || burst.kind === 'talk_over').length;
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

/**
 * True when the shorter burst sounds like the start of the longer one, as
 * when an answer cut off mid-way is spoken again from the beginning.
 */
export function repeatsStart(a: Burst, b: Burst, options = LOOP_DEFAULTS): boolean {
  const [shorter, longer] = a.envelope.length <= b.envelope.length ? [a, b] : [b, a];
  const share = shorter.envelope.length / longer.envelope.length;
  if (shorter.envelope.length < options.envelopePoints || share < options.minRepeatedShare || share > 1 - options.maxDurationDifference) return false;
  const prefix = longer.envelope.slice(0, shorter.envelope.length);
  return correlation(resample(shorter.envelope, options.envelopePoints), resample(prefix, options.envelopePoints)) >= options.minEnvelopeCorrelation;
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
