import { bimodalityPValue, binomialTest, componentBoundary, fitBimodality, medianOf, spearman, trailingCounts } from '../stats/index.js';
import { censoredResponse, confidenceScore, makeFinding, num, pText, percentText, type Detector } from './common.js';
import type { DiagnosisInput, RunData, TurnPoint } from './input.js';
import type { DiagnosisThresholds } from './thresholds.js';

/** A turn with its agent response (timeouts censored) and the request rate around it. */
interface RatedTurn {
  turn: TurnPoint;
  run: RunData;
  response: number;
  /** Agent requests (turn ends and greetings of started calls) per second in the trailing window. */
  requestsPerSecond: number;
}

/** Backoff steps: a minority of answered turns a fixed multiple slower, spread over calls. */
interface StepStructure {
  /** Bootstrap p-value of the mixture; null when the other conditions failed, so the bootstrap was not run. */
  p: number | null;
  share: number;
  ratio: number;
  /** Median, over calls with a stepped turn, of the share of their turns stepped. */
  consistency: number;
  found: boolean;
}

/**
 * TTS or other provider rate limit.
 * Signal: silent turns (timed out with no fragment) or backoff steps in
 * answered agent response, tracking requests per second rather than
 * calls in progress.
 * Test: Spearman rho of agent response (timeouts censored) against agent
 * requests per second in the trailing `rateWindowMs`, p < alpha and above
 * its rho against active calls; and either an exact binomial test of
 * silent turns against `backgroundSilentShare`, p < alpha, or backoff
 * steps: a 2-component mixture of centred log agent response
 * (bootstrap likelihood-ratio test, p < alpha) whose upper component holds
 * `minStepShare`..`maxStepShare` of turns at least `minStepRatio` slower,
 * spread over calls (a stepped call has at most `maxStepConsistencyShare`
 * of its turns stepped, unlike a slow path). The reported p-value is the
 * larger of the two tests, as all must pass.
 * Effect: share of turns silent or stepped, at least `minSilentShare`.
 * MDE: not measured yet; unit is requests per second over the provider limit.
 */
export const ttsLimitDetector: Detector = {
  mode: 'tts-limit',

  insufficientReason(input, thresholds) {
    const count = ratedTurns(input, thresholds).length;
    return count < thresholds.minTurns ? `${count} turns with a latency or timeout, fewer than ${thresholds.minTurns}` : null;
  },

  detect(input, { alpha, thresholds }) {
    const limits = thresholds.ttsLimit;
    const greetings = silentGreetings(input, limits, alpha);
    if (greetings !== null) return greetings;
    const turns = ratedTurns(input, thresholds);
    const byRate = spearman(turns.map((t) => t.requestsPerSecond), turns.map((t) => t.response));
    const byActive = spearman(turns.map((t) => t.turn.activeCalls), turns.map((t) => t.response));
    if (byRate === null || !(byRate.rho > 0 && byRate.p < alpha && byRate.rho > (byActive?.rho ?? 0))) return null;

    const silent = turns.filter((t) => t.turn.timedOut && t.turn.latencyMs === null && t.turn.fragments === 0).length;
    const silentTest = binomialTest(silent, turns.length, limits.backgroundSilentShare);
    const silentFound = silentTest.p < alpha && silent / turns.length >= limits.minSilentShare;
    const steps = stepStructure(turns, thresholds);
    const stepsFound = steps !== null && steps.found && steps.p !== null && steps.p < alpha;
    if (!silentFound && !stepsFound) return null;

    const share = (silentFound ? silent / turns.length : 0) + (stepsFound ? steps.share : 0);
    const pValue = Math.max(byRate.p, silentFound ? silentTest.p : steps!.p!);
    const evidence = [
      `Agent response tracks requests per second (trailing ${num(limits.rateWindowMs / 1000)} s): Spearman rho ${num(byRate.rho)} (p ${pText(byRate.p)}) against ${num(byActive?.rho ?? 0)} for active calls, over ${turns.length} turns.`,
      `${silent} turns (${percentText(silent / turns.length)}) timed out silent (binomial p ${pText(silentTest.p)} against ${percentText(limits.backgroundSilentShare)}).`,
    ];
    if (steps !== null) {
      evidence.push(
        stepsFound
          ? `Backoff steps: ${percentText(steps.share)} of answered turns ${num(steps.ratio)}x slower (bootstrap p ${pText(steps.p!)}), spread over calls (median ${percentText(steps.consistency)} of a stepped call's turns).`
          : 'No backoff steps in answered latency.',
      );
    }
    return makeFinding({
      mode: 'tts-limit',
      title: 'TTS or provider rate limit: failures track request rate',
      confidence: confidenceScore(pValue, alpha, share, limits.minSilentShare, [silentFound, stepsFound]),
      pValue,
      alpha,
      effect: { name: 'share of turns silent or stepped', value: share, unit: 'fraction', minimum: limits.minSilentShare },
      test: silentFound ? 'binomial test of silent turns with Spearman correlation to request rate' : 'mixture test of backoff steps with Spearman correlation to request rate',
      component: 'agent_response',
      evidence,
    });
  },
};

/**
 * Greetings that never came: the switch answered, the agent stayed silent.
 * A TTS limit applies to every utterance, greetings included, while an LLM
 * queue or a leak leaves the greeting alone, so silent greetings well above
 * the background share point at the speech provider.
 */
function silentGreetings(input: DiagnosisInput, limits: DiagnosisThresholds['ttsLimit'], alpha: number) {
  const answered = input.runs.flatMap((run) => run.calls).filter((call) => call.startFailure === null || call.startFailure === 'no_greeting');
  const silent = answered.filter((call) => call.startFailure === 'no_greeting').length;
  if (answered.length === 0) return null;
  const test = binomialTest(silent, answered.length, limits.backgroundSilentShare);
  const share = silent / answered.length;
  if (!(test.p < alpha && share >= limits.minSilentShare)) return null;
  return makeFinding({
    mode: 'tts-limit',
    title: 'TTS or provider rate limit: greetings go silent',
    confidence: confidenceScore(test.p, alpha, share, limits.minSilentShare, []),
    pValue: test.p,
    alpha,
    effect: { name: 'share of answered calls with no greeting', value: share, unit: 'fraction', minimum: limits.minSilentShare },
    test: `binomial test of silent greetings against a background share of ${percentText(limits.backgroundSilentShare)}`,
    component: 'agent_response',
    evidence: [
      `${silent} of ${answered.length} calls the switch answered (${percentText(share)}) never heard a greeting (p ${pText(test.p)}).`,
      'Greetings need only the speech provider, not speech-to-text or the LLM, so the limit sits in text-to-speech.',
    ],
  });
}

// NOTE: agent requests are estimated as turn ends plus greetings of started
// calls, because the records carry no per-request times; retries are not counted.
function ratedTurns(input: DiagnosisInput, thresholds: Readonly<DiagnosisThresholds>): RatedTurn[] {
  const windowMs = thresholds.ttsLimit.rateWindowMs;
  const out: RatedTurn[] = [];
  for (const run of input.runs) {
    const requests = [...run.turns.map((turn) => turn.atMs), ...run.calls.filter((call) => call.startFailure === null).map((call) => call.dialedAtMs)].sort((a, b) => a - b);
    const counts = trailingCounts(requests, run.turns.map((turn) => turn.atMs), windowMs);
    run.turns.forEach((turn, i) => {
      const response = censoredResponse(turn, run);
      if (response !== null) out.push({ turn, run, response, requestsPerSecond: counts[i]! / (windowMs / 1000) });
    });
  }
  return out;
}

function stepStructure(turns: readonly RatedTurn[], thresholds: Readonly<DiagnosisThresholds>): StepStructure | null {
  const limits = thresholds.ttsLimit;
  const answered = turns.filter((t) => t.turn.latencyMs !== null && t.response > 0);
  const centres = new Map<RunData, number>();
  for (const run of new Set(answered.map((t) => t.run))) {
    centres.set(run, medianOf(answered.filter((t) => t.run === run).map((t) => Math.log(t.response)))!);
  }
  const values = answered.map((t) => Math.log(t.response) - centres.get(t.run)!);
  const test = fitBimodality(values);
  if (test === null) return null;

  const share = test.two.weights[1]!;
  const ratio = Math.exp(test.two.means[1]! - test.two.means[0]!);
  const boundary = componentBoundary(test.two);
  const perCall = new Map<string, { stepped: number; total: number }>();
  answered.forEach((t, i) => {
    const key = `${t.run.label}\u0000${t.turn.callId}`;
    const entry = perCall.get(key) ?? { stepped: 0, total: 0 };
    entry.total++;
    if (values[i]! > boundary) entry.stepped++;
    perCall.set(key, entry);
  });
  const consistency = medianOf([...perCall.values()].filter((entry) => entry.stepped > 0).map((entry) => entry.stepped / entry.total)) ?? 0;
  const found = share >= limits.minStepShare && share <= limits.maxStepShare && ratio >= limits.minStepRatio && consistency <= limits.maxStepConsistencyShare;
  const p = found ? bimodalityPValue(test, { seed: `${thresholds.seed}:tts-limit`, replicates: limits.bootstrapReplicates }).p : null;
  return { p, share, ratio, consistency, found };
}
