import { binomialTest, medianOf, spearman, timeClusteringTest } from '../stats/index.js';
import { confidenceScore, makeFinding, num, pText, percentText, type Detector } from './common.js';
import type { BreakdownComponent, DiagnosisInput, RunData, TurnPoint } from './input.js';

interface NetworkTurn {
  turn: TurnPoint;
  run: RunData;
  uplinkMs: number;
  downlinkMs: number;
  slow: boolean;
}

/**
 * Routing bottleneck in the switch.
 * Signal: slow call setup, or turns slow on the network legs (uplink,
 * downlink) in bursts across calls, growing with load, while agent
 * response does not move.
 * Test: one-sided exact binomial tests against `backgroundSlowShare` of
 * turns with uplink + downlink >= `slowNetworkMs` and of started calls with
 * setup >= `slowSetupMs`; the smaller p, doubled (Bonferroni over the two),
 * must be below alpha.
 * Effect: share of slow turns or calls (whichever fired), at least
 * `minSlowShare`.
 * Supporting: time clustering of slow turns across calls (permutation
 * test) and Spearman rho of the network legs against active calls.
 * MDE: not measured yet; units are the routing engine's workers and its
 * per-call setup cost in ms.
 */
export const routingDetector: Detector = {
  mode: 'routing',

  insufficientReason(input, thresholds) {
    const turns = networkTurns(input, thresholds.routing.slowNetworkMs).length;
    const setups = startedSetups(input).length;
    if (turns < thresholds.minTurns && setups < thresholds.minCalls) {
      return `${turns} turns with an uplink and downlink breakdown and ${setups} calls with a setup time, fewer than ${thresholds.minTurns} and ${thresholds.minCalls}`;
    }
    return null;
  },

  detect(input, { alpha, thresholds }) {
    const limits = thresholds.routing;
    const turns = networkTurns(input, limits.slowNetworkMs);
    const slowTurns = turns.filter((t) => t.slow);
    const turnTest = turns.length >= thresholds.minTurns ? binomialTest(slowTurns.length, turns.length, limits.backgroundSlowShare) : null;
    const turnShare = turns.length === 0 ? 0 : slowTurns.length / turns.length;
    const turnsFired = turnTest !== null && Math.min(1, 2 * turnTest.p) < alpha && turnShare >= limits.minSlowShare;

    const setups = startedSetups(input);
    const slowSetups = setups.filter((ms) => ms >= limits.slowSetupMs).length;
    const setupTest = setups.length >= thresholds.minCalls ? binomialTest(slowSetups, setups.length, limits.backgroundSlowShare) : null;
    const setupShare = setups.length === 0 ? 0 : slowSetups / setups.length;
    const setupFired = setupTest !== null && Math.min(1, 2 * setupTest.p) < alpha && setupShare >= limits.minSlowShare;
    if (!turnsFired && !setupFired) return null;

    const evidence: string[] = [];
    let component: BreakdownComponent = 'setup';
    const clustering = turnsFired
      ? timeClusteringTest(
          turns.map((t) => ({ callId: `${t.run.label}\u0000${t.turn.callId}`, atMs: t.turn.atMs + runOffset(input, t.run), slow: t.slow })),
          { seed: `${thresholds.seed}:routing`, permutations: limits.clusterPermutations },
        )
      : null;
    const growth = spearman(turns.map((t) => t.turn.activeCalls), turns.map((t) => t.uplinkMs + t.downlinkMs));
    if (turnsFired) {
      component = movedLeg(turns);
      evidence.push(
        `${slowTurns.length} of ${turns.length} turns (${percentText(turnShare)}) have uplink + downlink >= ${limits.slowNetworkMs} ms (binomial p ${pText(turnTest!.p)}); the ${component} leg moved most (median ${num(medianOf(slowTurns.map((t) => (component === 'uplink' ? t.uplinkMs : t.downlinkMs)))!)} ms in slow turns).`,
      );
      evidence.push(
        clustering === null
          ? 'Time clustering of slow turns not tested: they fall in fewer than 2 calls.'
          : `Slow turns of different calls are ${num(clustering.clusteringRatio)}x closer in time than chance (median gap ${num(clustering.medianGapMs)} ms; permutation p ${pText(clustering.p)}).`,
      );
    }
    if (setupTest !== null) {
      evidence.push(`${slowSetups} of ${setups.length} calls (${percentText(setupShare)}) took >= ${limits.slowSetupMs} ms to set up (median ${num(medianOf(setups)!)} ms; binomial p ${pText(setupTest.p)}).`);
    }
    if (growth !== null) evidence.push(`Network legs against active calls: Spearman rho ${num(growth.rho)} (p ${pText(growth.p)}).`);

    const pValue = Math.min(turnsFired ? 2 * turnTest!.p : 1, setupFired ? 2 * setupTest!.p : 1);
    const share = turnsFired ? turnShare : setupShare;
    return makeFinding({
      mode: 'routing',
      title: turnsFired ? 'Routing bottleneck: slow network legs in bursts across calls' : 'Routing bottleneck: slow call setup',
      confidence: confidenceScore(pValue, alpha, share, limits.minSlowShare, [clustering !== null && clustering.p < 0.05, growth !== null && growth.rho > 0 && growth.p < 0.05]),
      pValue,
      alpha,
      effect: { name: turnsFired ? 'share of turns with slow network legs' : 'share of calls with slow setup', value: share, unit: 'fraction', minimum: limits.minSlowShare },
      test: turnsFired ? 'binomial test of turns with slow uplink + downlink' : 'binomial test of calls with slow setup',
      component,
      evidence,
    });
  },
};

function networkTurns(input: DiagnosisInput, slowNetworkMs: number): NetworkTurn[] {
  const out: NetworkTurn[] = [];
  for (const run of input.runs) {
    for (const turn of run.turns) {
      if (turn.uplinkMs === null || turn.downlinkMs === null) continue;
      out.push({ turn, run, uplinkMs: turn.uplinkMs, downlinkMs: turn.downlinkMs, slow: turn.uplinkMs + turn.downlinkMs >= slowNetworkMs });
    }
  }
  return out;
}

function startedSetups(input: DiagnosisInput): number[] {
  return input.runs.flatMap((run) => run.calls).flatMap((call) => (call.startFailure === null && call.setupMs !== null ? [call.setupMs] : []));
}

/** Returns the leg whose median grew more from the other turns to the slow turns. */
function movedLeg(turns: readonly NetworkTurn[]): 'uplink' | 'downlink' {
  const slow = turns.filter((t) => t.slow);
  const rest = turns.filter((t) => !t.slow);
  const growth = (leg: (t: NetworkTurn) => number) => (medianOf(slow.map(leg)) ?? 0) - (medianOf(rest.map(leg)) ?? 0);
  return growth((t) => t.uplinkMs) >= growth((t) => t.downlinkMs) ? 'uplink' : 'downlink';
}

/** Returns the start of a run on one time line through the sweep: the sum of the earlier runs' last turn times. */
function runOffset(input: DiagnosisInput, run: RunData): number {
  let offset = 0;
  for (const other of input.runs) {
    if (other === run) return offset;
    offset += Math.max(0, ...other.turns.map((turn) => turn.atMs)) + 1;
  }
  return offset;
}
