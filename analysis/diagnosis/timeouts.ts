import { binomialTest } from '../stats/index.js';
import { confidenceScore, makeFinding, num, pText, percentText, type Detector } from './common.js';

/**
 * Cascading timeouts.
 * Signal: response loops and fragmented answers in some calls, which
 * stage timeouts whose retries re-enter the queue produce.
 * Test: one-sided exact binomial test that the number of started calls
 * with a response loop that repeats a reply exceeds `backgroundCallShare`.
 * Effect: share of started calls affected, at least `minAffectedShare`.
 * MDE: not measured yet; unit is the share of stage requests timing out.
 */
export const timeoutsDetector: Detector = {
  mode: 'timeouts',

  insufficientReason(input, thresholds) {
    const started = input.runs.flatMap((run) => run.calls).filter((call) => call.startFailure === null).length;
    return started < thresholds.minCalls ? `${started} started calls, fewer than ${thresholds.minCalls}` : null;
  },

  detect(input, { alpha, thresholds }) {
    const limits = thresholds.timeouts;
    const started = input.runs.flatMap((run) => run.calls).filter((call) => call.startFailure === null);
    // Fragments and talk-overs alone also come from audio broken up on the way
    // (a routing stall); a retried answer repeats what was already said.
    const affected = started.filter((call) => (call.repeatedReplies === undefined ? call.responseLoop : call.responseLoop && call.repeatedReplies > 0));
    const share = affected.length / started.length;
    const test = binomialTest(affected.length, started.length, limits.backgroundCallShare);
    if (!(test.p < alpha && share >= limits.minAffectedShare)) return null;

    const loops = affected.filter((call) => call.responseLoop).length;
    const fragments = affected.reduce((sum, call) => sum + call.fragments, 0);
    const timedOut = affected.reduce((sum, call) => sum + call.timedOutTurns, 0);
    return makeFinding({
      mode: 'timeouts',
      title: 'Cascading timeouts: response loops and fragmented answers',
      confidence: confidenceScore(test.p, alpha, share, limits.minAffectedShare, []),
      pValue: test.p,
      alpha,
      effect: { name: 'share of calls with a response loop', value: share, unit: 'fraction', minimum: limits.minAffectedShare },
      test: `binomial test of affected calls against a background share of ${percentText(limits.backgroundCallShare)}`,
      component: 'agent_response',
      evidence: [
        `${affected.length} of ${started.length} started calls (${percentText(share)}) have a response loop (p ${pText(test.p)}; expected ${num(test.expected)} at the background share).`,
        `Those calls hold ${loops} response loops, ${fragments} fragments and ${timedOut} timed-out turns.`,
      ],
    });
  },
};
