import { quantileSorted } from 'simple-statistics';
import t from 'tap';

import { DIAGNOSIS_DEFAULTS } from '../analysis/diagnosis/index.js';
import { spearman } from '../analysis/stats/index.js';
import { runSimulation } from '../cli/simulation.js';
import { validateCase } from '../cli/validate-cases.js';
import { loadScenario, type CallRecord, type Scenario } from '../driver/index.js';
import type { MockConfigOverrides } from '../mock-agent/index.js';
import { runStack, sharedAudio } from './helpers/stack.js';

// Saturation as validate injects it: the LLM slots serve fewer requests per
// second than the calls ask for, so answers wait in the slots' queue.
const SATURATION = validateCase('saturation').mock;
const SCENARIO_PATH = new URL('../scenarios/support.yaml', import.meta.url).pathname;

async function simulate(overrides: Partial<Omit<Scenario, 'rows'>>, mockConfig: MockConfigOverrides = SATURATION): Promise<CallRecord[]> {
  const { audio, vad } = await sharedAudio();
  const scenario = { ...loadScenario(SCENARIO_PATH), ...overrides };
  const result = await runSimulation({ scenario, audio, vad, mockConfig });
  return result.records;
}

function conversationLatencies(records: readonly CallRecord[]): number[] {
  return records.flatMap((record) => (record.avg_turn_taking_latency_ms === null ? [] : [record.avg_turn_taking_latency_ms]));
}

function quantile(values: readonly number[], fraction: number): number {
  return quantileSorted([...values].sort((a, b) => a - b), fraction);
}

t.test('saturated live and sim agree', async (t) => {
  // 120 calls, 20 at once, dialled 600 ms apart so that they reach the slots
  // spread out, as the calls of a steady load do.
  const overrides = { repeats: 24, maxParallel: 20, maxTurns: 1, dialIntervalMs: 600, seed: 'saturated-fidelity' };
  const live = await runStack(overrides, SATURATION);
  const sim = await simulate(overrides);
  t.equal(live.records.length, 120);
  t.equal(sim.length, 120);
  const liveLatencies = conversationLatencies(live.records);
  const simLatencies = conversationLatencies(sim);
  t.equal(liveLatencies.length, 120, 'every live call was answered');
  t.equal(simLatencies.length, 120, 'every simulated call was answered');
  const healthy = await simulate(overrides, {});
  const healthyP50 = quantile(conversationLatencies(healthy), 0.5);
  t.ok(quantile(simLatencies, 0.9) > healthyP50 + 300, `the queue shows: sim p90 ${quantile(simLatencies, 0.9).toFixed(0)} ms against a healthy p50 of ${healthyP50.toFixed(0)} ms`);
  for (const fraction of [0.5, 0.9]) {
    const liveValue = quantile(liveLatencies, fraction);
    const simValue = quantile(simLatencies, fraction);
    t.ok(Math.abs(liveValue - simValue) <= 20, `p${fraction * 100}: live ${liveValue.toFixed(1)} ms and sim ${simValue.toFixed(1)} ms within 20 ms`);
  }
});

t.test('saturated steady load has no drift', async (t) => {
  // A saturated agent is slow in proportion to the load, not to the calls it
  // has handled: at a steady number of calls the latency has no trend.
  const records = await simulate({ repeats: 130, maxParallel: 24, maxTurns: 1, dialIntervalMs: 600, seed: 'saturated-steady' });
  t.equal(records.length, 650);
  const ordered = [...records].sort((a, b) => a.dialed_at_ms - b.dialed_at_ms);
  const active = ordered.map((record) => record.turns[0]?.active_calls ?? 0);
  const medianActive = quantile(active, 0.5);
  const band = DIAGNOSIS_DEFAULTS.leak.steadyBandShare * medianActive;
  const steady = ordered.flatMap((record, index) =>
    Math.abs(active[index]! - medianActive) <= band && record.avg_turn_taking_latency_ms !== null ? [{ index, latency: record.avg_turn_taking_latency_ms }] : [],
  );
  t.ok(steady.length >= 500, `${steady.length} calls in the steady window (active calls within ${band.toFixed(1)} of ${medianActive})`);
  const steadyMedian = quantile(
    steady.map((call) => call.latency),
    0.5,
  );
  const result = spearman(
    steady.map((call) => call.index),
    steady.map((call) => call.latency),
  );
  t.ok(result !== null, 'rho is defined');
  t.ok(Math.abs(result!.rho) < 0.15, `|Spearman rho| of call order against latency is ${Math.abs(result!.rho).toFixed(3)}, under 0.15 (median latency ${steadyMedian.toFixed(0)} ms)`);
});
