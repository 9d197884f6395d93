import { hostname } from 'node:os';

import t from 'tap';

import { runSimulation } from '../cli/simulation.js';
import { loadScenario, type CallRecord, type Scenario } from '../driver/index.js';
import { REPLIES, type MockConfigOverrides, type TurnRecord as MockTurn } from '../mock-agent/index.js';
import { quantileSorted } from 'simple-statistics';
import { runStack, sharedAudio } from './helpers/stack.js';
import { CallerTraces } from './helpers/trace.js';

const SCENARIO_PATH = new URL('../scenarios/support.yaml', import.meta.url).pathname;

function scenario(overrides: Partial<Omit<Scenario, 'rows'>> = {}): Scenario {
  return { ...loadScenario(SCENARIO_PATH), ...overrides };
}

async function simulate(overrides: Partial<Omit<Scenario, 'rows'>>, mockConfig: MockConfigOverrides = {}, extra: Parameters<typeof runSimulation>[0] extends infer O ? Partial<O> : never = {}) {
  const { audio, vad } = await sharedAudio();
  const lines: string[] = [];
  const result = await runSimulation({ scenario: scenario(overrides), audio, vad, mockConfig, onRecord: (record) => lines.push(JSON.stringify(record)), ...extra });
  return { lines, records: result.records, generator: result.generator };
}

function convQuantile(records: CallRecord[], fraction: number): number {
  const values = records.map((record) => record.avg_turn_taking_latency_ms!).sort((a, b) => a - b);
  return quantileSorted(values, fraction);
}

t.test('same seed gives identical records', async (t) => {
  const first = await simulate({ repeats: 4, maxParallel: 10, seed: 'same' });
  const second = await simulate({ repeats: 4, maxParallel: 10, seed: 'same' });
  t.equal(first.lines.length, 20);
  t.equal(first.lines.join('\n'), second.lines.join('\n'), 'calls.jsonl lines are byte-identical');
  t.equal(first.generator, null, 'generator health is not measured in sim');
});

t.test('another seed changes measured latencies', async (t) => {
  const first = await simulate({ repeats: 2, maxParallel: 10, seed: 'one' });
  const other = await simulate({ repeats: 2, maxParallel: 10, seed: 'two' });
  const latencies = (records: CallRecord[]) => records.flatMap((record) => record.turns.map((turn) => turn.latency_ms));
  t.not(JSON.stringify(latencies(first.records)), JSON.stringify(latencies(other.records)));
});

t.test('records hold no host, path or wall time', async (t) => {
  const { lines } = await simulate({ repeats: 1, maxParallel: 5, seed: 'clean' });
  const text = lines.join('\n');
  t.notOk(text.includes(hostname()), 'no host name');
  t.notOk(text.includes(process.cwd()), 'no working directory');
  t.notOk(/20\d\d-\d\d-\d\dT/.test(text), 'no ISO timestamps');
  t.notOk(text.includes('"seed"'), 'no copy of the seed');
});

t.test('sim latency equals the sum of its parts exactly', async (t) => {
  const stages = { stt: { medianMs: 120, sigma: 0 }, llm: { medianMs: 300, sigma: 0 }, tts: { medianMs: 90, sigma: 0 } };
  const endpointingMs = 400;
  const mockTurns: MockTurn[] = [];
  const { audio } = await sharedAudio();
  const { records } = await simulate({ repeats: 1, maxParallel: 5, dialJitter: 0, framePhaseMs: 0, seed: 'exact' }, { endpointingMs, stages }, { onMockTurn: (turn) => mockTurns.push(turn) });
  const configured = endpointingMs + 120 + 300 + 90;
  let checked = 0;
  for (const record of records) {
    for (const turn of record.turns) {
      const breakdown = record.switch!.turns.find((entry) => entry.turn === turn.turn)!;
      const mockTurn = mockTurns.find((entry) => entry.callSid === record.switch!.call_sid && entry.turn === turn.turn)!;
      const answer = turn.turn === 1 ? record.expected_result : REPLIES[(turn.turn - 2) % REPLIES.length]!;
      const vadDelayMs = (mockTurn.lastVoicedChunk! - breakdown.flagged_chunk) * 20;
      const expected = breakdown.uplink_ms + vadDelayMs + configured + breakdown.playout_wait_ms! + breakdown.downlink_ms! + audio.get('agent', answer).voicedOnsetMs;
      t.ok(Math.abs(turn.latency_ms! - expected) < 0.02, `${record.call_id} turn ${turn.turn}: ${turn.latency_ms} against ${expected.toFixed(2)}`);
      checked++;
    }
  }
  t.equal(checked, 15);
});

t.test('exception in one call ends only that call', async (t) => {
  const { audio, vad } = await sharedAudio();
  let created = 0;
  // The fifth detector made (by the driver or the mock) throws on its first frame of sound.
  const failing = {
    create: () => {
      const detector = vad.create();
      const fails = ++created === 5;
      return {
        isVoiced: (frame: Int16Array) => {
          if (fails) throw new Error('scripted detector failure');
          return detector.isVoiced(frame);
        },
        free: () => detector.free(),
      };
    },
  };
  const result = await runSimulation({ scenario: scenario({ repeats: 2, maxParallel: 10, seed: 'throws' }), audio, vad: failing });
  const failed = result.records.filter((record) => !record.result_completed);
  t.equal(result.records.length, 10, 'every call has a record');
  t.equal(failed.length, 1, 'one call fails');
  t.ok(['driver_error', 'agent_closed'].includes(failed[0]!.end_reason), `it ends with a typed reason: ${failed[0]!.end_reason}`);
});

t.test('live and sim agree on traces and latency', async (t) => {
  const overrides = { repeats: 2, maxParallel: 10, maxTurns: 2, seed: 'fidelity' };
  const mockConfig: MockConfigOverrides = {};
  const switchOptions = { agentLegDelayMs: 5, agentLegJitterMs: 10 };
  const liveTraces = new CallerTraces();
  const simTraces = new CallerTraces();
  const live = await runStack(overrides, mockConfig, undefined, { switchOptions, wrapCallerLink: liveTraces.wrap });
  const sim = await simulate(overrides, mockConfig, { switchOptions, wrapCallerLink: simTraces.wrap });

  t.equal(liveTraces.byCall.size, 10);
  for (const [callId, trace] of liveTraces.byCall) t.same(simTraces.byCall.get(callId), trace, `${callId} has the same message trace`);
  for (const fraction of [0.5, 0.9]) {
    const liveValue = convQuantile(live.records, fraction);
    const simValue = convQuantile(sim.records, fraction);
    t.ok(Math.abs(liveValue - simValue) <= 20, `p${fraction * 100} live ${liveValue.toFixed(1)} ms and sim ${simValue.toFixed(1)} ms within 20 ms`);
  }
});

t.test('switch metrics are sampled each second', async (t) => {
  const { audio, vad } = await sharedAudio();
  const result = await runSimulation({ scenario: scenario({ repeats: 2, maxParallel: 10, maxTurns: 1, seed: 'samples' }), audio, vad });
  t.ok(result.switchSamples.length >= 5, `${result.switchSamples.length} samples`);
  t.same(result.switchSamples.slice(0, 3).map((sample) => sample.run_ms), [0, 1000, 2000], 'one per simulated second');
  t.ok(result.switchSamples.some((sample) => sample.callsActive > 0), 'active calls seen while the run goes on');
});
