import Fastify from 'fastify';
import t from 'tap';

import { runSimulation } from '../cli/simulation.js';
import { MemoryNetwork, RealClock, silentLogger, VirtualClock } from '../core/index.js';
import { LoadRun, loadScenario, type CallRecord, type Scenario, type TurnRecord } from '../driver/index.js';
import {
  createMockAgent,
  FAULT_PROFILES,
  MOCK_DEFAULTS,
  registerFaultRoutes,
  resolveMockConfig,
  type MockAgent,
  type MockConfigOverrides,
} from '../mock-agent/index.js';
import { createSwitch } from '../telephony-sim/index.js';
import { sharedAudio } from './helpers/stack.js';

const SUPPORT = loadScenario(new URL('../scenarios/support.yaml', import.meta.url).pathname);
/** The bundled scenario has five rows, so `repeats` r dials 5 * r calls. */
const ROWS = SUPPORT.rows.length;

function scenarioOf(calls: number, maxParallel: number, fields: Partial<Scenario> = {}): Scenario {
  return { ...SUPPORT, repeats: calls / ROWS, maxTurns: 2, maxParallel, ...fields };
}

async function simulate(scenario: Scenario, mockConfig: MockConfigOverrides = {}): Promise<CallRecord[]> {
  const { audio, vad } = await sharedAudio();
  const { records } = await runSimulation({ scenario, audio, vad, mockConfig });
  return records;
}

/**
 * Runs `scenario` in simulated time as runSimulation does, but with the mock
 * agent in reach: `atMs` schedules changes at simulated times, and the
 * agent's fault metrics are returned with the records.
 */
async function simulateWithAgent(scenario: Scenario, mockConfig: MockConfigOverrides, atMs: Array<[number, (agent: MockAgent) => void]> = []): Promise<{ records: CallRecord[]; agent: MockAgent }> {
  const { audio, vad } = await sharedAudio();
  const logger = silentLogger();
  const clock = new VirtualClock({ seed: `${scenario.seed}:clock` });
  const network = new MemoryNetwork(clock);
  const agent = createMockAgent({ clock, audio, vad, seed: scenario.seed, config: mockConfig, logger });
  network.listen('mem://mock-agent/media', (link) => agent.handleLink(link));
  const switchCore = createSwitch({ clock, dial: network.dial, routes: { [scenario.number]: 'mem://mock-agent/media' }, logger, seed: scenario.seed });
  network.listen('mem://switch/call', (link) => switchCore.handleCallerLink(link));
  for (const [time, change] of atMs) clock.setTimer(() => change(agent), time);

  const run = new LoadRun({ scenario, clock, connect: () => network.dial('mem://switch/call'), audio, vad, contentKnown: true });
  let records: CallRecord[] | undefined;
  const finished = run.start().then((result) => (records = result.records));
  try {
    await clock.run({ until: () => records !== undefined, pending: () => run.describeActive() });
    await finished;
  } finally {
    agent.close();
    const closed = switchCore.close();
    await clock.run();
    await closed;
  }
  return { records: records!, agent };
}

function turnsOf(records: CallRecord[]): TurnRecord[] {
  return records.flatMap((record) => record.turns);
}

function latencies(records: CallRecord[]): number[] {
  return turnsOf(records)
    .map((turn) => turn.latency_ms)
    .filter((latency): latency is number => latency !== null);
}

function mean(values: number[]): number {
  return values.reduce((sum, value) => sum + value, 0) / values.length;
}

function callLatency(record: CallRecord): number {
  return mean(record.turns.map((turn) => turn.latency_ms ?? Infinity));
}


const ordered = (records: CallRecord[]): CallRecord[] => [...records].sort((a, b) => a.dialed_at_ms - b.dialed_at_ms);

t.test('slots make latency grow with concurrency', async (t) => {
  const slots: MockConfigOverrides = { stages: { llm: { slots: 1 } } };
  const healthyAt2 = latencies(await simulate(scenarioOf(10, 2)));
  const at2 = latencies(await simulate(scenarioOf(10, 2), slots));
  const at20 = latencies(await simulate(scenarioOf(20, 20), slots));

  t.ok(mean(at2) - mean(healthyAt2) < 100, `2 calls: mean ${mean(at2).toFixed(0)} ms stays within 100 ms of healthy ${mean(healthyAt2).toFixed(0)} ms`);
  t.ok(mean(at20) > mean(at2) + 1000, `20 calls: mean ${mean(at20).toFixed(0)} ms exceeds 2 calls' ${mean(at2).toFixed(0)} ms by over 1 s`);
});

t.test('slots recover when load drops', async (t) => {
  // 30 calls with 15 at once and one LLM slot: the last calls run almost alone.
  const records = ordered(await simulate(scenarioOf(30, 15, { dialIntervalMs: 100 }), { stages: { llm: { slots: 1 } } }));
  const busiest = Math.max(...records.slice(0, 15).map(callLatency));
  const last = callLatency(records[records.length - 1]!);
  t.ok(last < busiest - 1000, `last call ${last.toFixed(0)} ms is over 1 s faster than the slowest early call ${busiest.toFixed(0)} ms`);
});

t.test('rate limit fail drops answers', async (t) => {
  const { records, agent } = await simulateWithAgent(scenarioOf(10, 10), { stages: { llm: { rateLimit: { perSecond: 0.5, burst: 1, onLimit: 'fail' } } } });
  const timedOut = turnsOf(records).filter((turn) => turn.timed_out).length;

  t.ok(timedOut >= 5, `${timedOut} turns time out`);
  t.ok(agent.faultMetrics.dropped.llm >= 5, `agent dropped ${agent.faultMetrics.dropped.llm} answers`);
  t.equal(agent.faultMetrics.retries.llm, 0, 'fail never retries');
});

t.test('rate limit queue delays answers', async (t) => {
  const healthyMax = Math.max(...latencies(await simulate(scenarioOf(10, 10))));
  const { records, agent } = await simulateWithAgent(scenarioOf(10, 10, { turnTimeoutMs: 20_000 }), { stages: { llm: { rateLimit: { perSecond: 1, burst: 1, onLimit: 'queue' } } } });
  const first = records.map((record) => record.turns[0]!.latency_ms!).sort((a, b) => a - b);

  t.equal(turnsOf(records).filter((turn) => turn.timed_out).length, 0, 'no turn times out');
  t.ok(first[first.length - 1]! > healthyMax + 4000, `slowest first answer ${first[first.length - 1]!.toFixed(0)} ms waits for several tokens`);
  t.ok(agent.faultMetrics.rateLimited.llm >= 5, `${agent.faultMetrics.rateLimited.llm} requests waited for a token`);
  t.ok(agent.faultMetrics.queueWaitMs.llm > 10_000, `queue wait totals ${agent.faultMetrics.queueWaitMs.llm.toFixed(0)} ms`);
});

t.test('rate limit retry backs off then drops', async (t) => {
  const { records, agent } = await simulateWithAgent(scenarioOf(10, 10), { stages: { llm: { rateLimit: { perSecond: 0.2, burst: 1, onLimit: 'retry', retryBackoffMs: 300, maxRetries: 2 } } } });
  const metrics = agent.faultMetrics;

  t.ok(metrics.retries.llm > 0, `${metrics.retries.llm} retries after a refusal`);
  t.ok(metrics.dropped.llm > 0, `${metrics.dropped.llm} answers dropped after the last retry`);
  t.ok(turnsOf(records).some((turn) => turn.timed_out), 'a dropped answer times the turn out');
});

t.test('tts limit delays the greeting', async (t) => {
  const healthy = await simulate(scenarioOf(10, 10));
  const limited = await simulate(scenarioOf(10, 10, { greetingTimeoutMs: 15_000 }), { stages: { tts: { rateLimit: { perSecond: 1, burst: 1, onLimit: 'queue' } } } });
  const greetingMax = (records: CallRecord[]) => Math.max(...records.map((record) => record.time_to_greeting_ms ?? Infinity));

  t.ok(greetingMax(healthy) < 100, `healthy greetings start within ${greetingMax(healthy).toFixed(0)} ms`);
  t.ok(greetingMax(limited) > 4000, `limited greetings start up to ${greetingMax(limited).toFixed(0)} ms late`);
});

t.test('tts limit fail drops greetings', async (t) => {
  const records = await simulate(scenarioOf(10, 10), { stages: { tts: { rateLimit: { perSecond: 0.1, burst: 2, onLimit: 'fail' } } } });
  const ungreeted = records.filter((record) => record.time_to_greeting_ms === null).length;
  t.ok(ungreeted >= 5, `${ungreeted} of 10 calls get no greeting`);
});

t.test('tts timeout plays a fragment then a repeat', async (t) => {
  const tts = { medianMs: 300, sigma: 0.6 };
  const healthy = await simulate(scenarioOf(10, 10), { stages: { tts } });
  const { records, agent } = await simulateWithAgent(scenarioOf(10, 10), { stages: { tts: { ...tts, timeoutMs: 300, retries: 10 } } });
  const repeated = records.filter((record) => record.loop_events.repeated_replies > 0).length;

  t.ok(agent.faultMetrics.timeouts.tts > 0, `${agent.faultMetrics.timeouts.tts} tts attempts time out`);
  t.ok(agent.faultMetrics.fragments > 0, `${agent.faultMetrics.fragments} fragments are sent`);
  t.ok(repeated >= 3, `${repeated} calls hear a reply start again after a pause`);
  t.ok(records.filter((record) => record.response_loop).length >= 3, 'those calls show a response loop');
  t.equal(healthy.filter((record) => record.loop_events.repeated_replies > 0).length, 0, 'healthy calls repeat nothing');
});

t.test('tts timeout with a long caller pause shows as fragments', async (t) => {
  // A slow retry leaves a gap after the fragment longer than the caller's end-of-answer silence.
  const stages = { tts: { medianMs: 2000, sigma: 0.4, timeoutMs: 2100, retries: 10 } };
  const records = await simulate(scenarioOf(10, 10, { callerGapMs: 6000, turnTimeoutMs: 15_000 }), { stages });
  const fragments = turnsOf(records).reduce((sum, turn) => sum + turn.fragments, 0);
  t.ok(fragments > 0, `${fragments} fragments in the driver's turn records`);
});

t.test('timeout retries run out and drop', async (t) => {
  const { records, agent } = await simulateWithAgent(scenarioOf(5, 5), { stages: { stt: { medianMs: 400, sigma: 0, timeoutMs: 300, retries: 2 } } });
  t.equal(agent.faultMetrics.timeouts.stt, 3 * turnsOf(records).length, 'each turn times out three times');
  t.equal(agent.faultMetrics.dropped.stt, turnsOf(records).length, 'every answer is dropped');
  t.ok(turnsOf(records).every((turn) => turn.timed_out), 'every turn times out at the caller');
});

t.test('drift makes later calls slower', async (t) => {
  const records = ordered(await simulate(scenarioOf(25, 5), { leak: { mode: 'drift', msPerCall: 60 } }));
  const early = mean(records.slice(0, 5).map(callLatency));
  const late = mean(records.slice(-5).map(callLatency));
  t.ok(late > early + 800, `last 5 calls ${late.toFixed(0)} ms against first 5 calls ${early.toFixed(0)} ms`);
});

t.test('cap starves calls after it', async (t) => {
  const { records, agent } = await simulateWithAgent(scenarioOf(10, 10), { leak: { mode: 'cap', maxSockets: 4 } });
  const answered = records.filter((record) => record.answered_turns > 0).length;

  t.equal(records.filter((record) => record.time_to_greeting_ms !== null).length, 10, 'every call is greeted');
  t.equal(answered, 4, 'only calls within the cap answer');
  t.equal(agent.faultMetrics.retainedSockets, 4, 'sockets retained up to the cap');
  t.equal(agent.faultMetrics.callsWithoutSocket, 6, 'later calls find no socket');
});

t.test('gc stalls slow turns across calls at once', async (t) => {
  const healthy = await simulate(scenarioOf(20, 20));
  const healthyMax = Math.max(...latencies(healthy));
  const { records, agent } = await simulateWithAgent(scenarioOf(20, 20), { leak: { mode: 'gc', everyMs: 3000, stallMs: 1500, jitter: 0 } });

  const slowOnsets: Array<{ call: string; at: number }> = [];
  for (const record of records) {
    for (const turn of record.turns) {
      if (turn.latency_ms !== null && turn.latency_ms > healthyMax + 300) slowOnsets.push({ call: record.call_id, at: record.dialed_at_ms + turn.onset_ms! });
    }
  }
  slowOnsets.sort((a, b) => a.at - b.at);
  const together = Math.max(0, ...slowOnsets.map((onset) => new Set(slowOnsets.filter((other) => Math.abs(other.at - onset.at) < 100).map((other) => other.call)).size));

  t.ok(agent.faultMetrics.stalls > 0, `${agent.faultMetrics.stalls} stalls`);
  t.ok(slowOnsets.length >= 2, `${slowOnsets.length} turns slower than healthy`);
  t.ok(together >= 2, `${together} calls answer within 100 ms of each other after a stall`);
});

t.test('slow path hits the same calls at any load', async (t) => {
  const slowPath: MockConfigOverrides = { slowPath: { share: 0.3, extraMs: 2500 } };
  const slowCalls = (records: CallRecord[]) =>
    records
      .filter((record) => record.turns.every((turn) => (turn.latency_ms ?? Infinity) > 3000))
      .map((record) => record.call_id)
      .sort();
  const fastTurnsOfSlowCalls = (records: CallRecord[], slow: string[]) => records.filter((record) => slow.includes(record.call_id) && record.turns.some((turn) => (turn.latency_ms ?? 0) < 3000)).length;

  const at2 = await simulate(scenarioOf(20, 2), slowPath);
  const at10 = await simulate(scenarioOf(20, 10), slowPath);

  t.ok(slowCalls(at2).length >= 2, `${slowCalls(at2).length} of 20 calls are slow`);
  t.same(slowCalls(at10), slowCalls(at2), 'the same calls are slow at 2 and 10 at once');
  t.equal(fastTurnsOfSlowCalls(at2, slowCalls(at2)), 0, 'slow calls are slow on every turn');
  t.ok(slowCalls(at2).length <= 12, 'most calls stay fast');
});

t.test('pacing modes deliver the whole answer', async (t) => {
  for (const sendPacing of ['realtime', 'burst', 'blob'] as const) {
    const records = await simulate(scenarioOf(5, 5), { sendPacing });
    t.equal(records.filter((record) => record.content === 'heard').length, 5, `${sendPacing}: every result is heard`);
    t.equal(turnsOf(records).filter((turn) => turn.timed_out).length, 0, `${sendPacing}: no turn times out`);
  }
});

t.test('updateConfig changes behaviour mid-run', async (t) => {
  const slowLlm = { stages: { llm: { medianMs: 4000, sigma: 0 } } };
  const { records, agent } = await simulateWithAgent(scenarioOf(10, 2), {}, [[20_000, (agent) => agent.updateConfig(slowLlm)]]);
  const before = records.filter((record) => record.dialed_at_ms + record.duration_ms < 20_000).map(callLatency);
  const after = records.filter((record) => record.dialed_at_ms > 20_000).map(callLatency);

  t.ok(before.length > 0 && after.length > 0, 'calls run before and after the change');
  t.ok(Math.max(...before) < 2000, `calls before the change answer within ${Math.max(...before).toFixed(0)} ms`);
  t.ok(Math.min(...after) > 4000, `calls after the change take at least ${Math.min(...after).toFixed(0)} ms`);
  t.equal(agent.config.stages.llm.medianMs, 4000, 'agent reports the new config');
});

t.test('updateConfig rejects invalid overrides', async (t) => {
  const { audio, vad } = await sharedAudio();
  const agent = createMockAgent({ clock: new VirtualClock(), audio, vad, seed: 1, logger: silentLogger() });
  t.throws(() => agent.updateConfig({ stages: { llm: { slots: 0 } } }), { code: 'VL_MOCK_OPTION_INVALID' });
  t.equal(agent.config.stages.llm.slots, null, 'config stays as it was');
  agent.close();
});

t.test('fault onset waits for startAfterMs', async (t) => {
  const { records } = await simulateWithAgent(scenarioOf(20, 4), { leak: { mode: 'cap', maxSockets: 0, startAfterMs: 15_000 } });
  const early = records.filter((record) => record.dialed_at_ms < 14_000);
  const late = records.filter((record) => record.dialed_at_ms > 16_000);

  t.ok(early.length > 0 && early.every((record) => record.answered_turns === 2), 'calls started before the onset answer');
  t.ok(late.length > 0 && late.every((record) => record.answered_turns === 0), 'calls started after the onset never answer');
});

t.test('same seed gives identical records', async (t) => {
  const faults: MockConfigOverrides = {
    stages: { llm: { slots: 2 }, tts: { timeoutMs: 150, retries: 2, rateLimit: { perSecond: 3, burst: 2, onLimit: 'retry' } } },
    leak: { mode: 'gc', everyMs: 4000, stallMs: 800 },
    slowPath: { share: 0.2, extraMs: 1000 },
  };
  const first = await simulate(scenarioOf(10, 10), faults);
  const second = await simulate(scenarioOf(10, 10), faults);
  t.same(second, first);
});

t.test('profiles set their fault in their own units', async (t) => {
  t.same(FAULT_PROFILES.map((profile) => profile.name), ['healthy', 'saturation', 'leak', 'timeouts', 'slow-path', 'tts-limit'], 'every profile is listed');
  const saturation = resolveMockConfig({ profile: 'saturation' }).stages.llm;
  t.equal(saturation.slots, 2, 'saturation: 2 llm slots');
  t.equal(saturation.medianMs, MOCK_DEFAULTS.stages.llm.medianMs, 'at strength 1 the llm time is the healthy one');
  const doubled = resolveMockConfig({ profile: 'saturation', strength: 2 }).stages.llm;
  t.same([doubled.slots, doubled.medianMs], [2, 2 * MOCK_DEFAULTS.stages.llm.medianMs], 'strength 2 doubles the llm time the slots are held');
  const profile = FAULT_PROFILES.find((candidate) => candidate.name === 'saturation')!;
  t.equal(profile.valueAt(1), (2 * 1000) / MOCK_DEFAULTS.stages.llm.medianMs, 'capacity at strength 1 is stated against the healthy llm time');
  t.equal(profile.valueAt(2), profile.valueAt(1) / 2, 'strength 2 halves the requests per second served');
  t.same(resolveMockConfig({ profile: 'leak', strength: 3 }).leak, { mode: 'drift', msPerCall: 30, retainBytesPerCall: 0, startAfterMs: 0 }, 'leak: 10 ms per call times strength');
  t.equal(resolveMockConfig({ profile: 'slow-path' }).slowPath?.share, 0.1, 'slow path: share of calls');
  t.equal(resolveMockConfig({ profile: 'tts-limit', strength: 2 }).stages.tts.rateLimit?.perSecond, 1, 'tts limit: strength divides the rate');
  t.equal(resolveMockConfig({ profile: 'timeouts' }).stages.tts.timeoutMs, 148, 'timeouts: the 80th percentile of tts latency');
});

t.test('profile knobs and onset combine', async (t) => {
  const config = resolveMockConfig({ profile: 'saturation', startAfterMs: 5000, stages: { llm: { slots: 3 } } });
  t.equal(config.stages.llm.slots, 3, 'explicit knob overrides the profile');
  t.equal(config.stages.llm.startAfterMs, 5000, 'onset applies to the profile fault');

  const healthyAgain = resolveMockConfig({ profile: 'healthy' }, config);
  t.equal(healthyAgain.stages.llm.slots, null, 'healthy clears the slots');
  t.equal(healthyAgain.profile, 'healthy', 'config names the profile');
  t.same(healthyAgain.stages.llm.medianMs, MOCK_DEFAULTS.stages.llm.medianMs, 'healthy keeps the default latency');
});

t.test('fault options are validated', async (t) => {
  const cases: Array<[string, unknown]> = [
    ['zero slots', { stages: { llm: { slots: 0 } } }],
    ['fractional slots', { stages: { llm: { slots: 1.5 } } }],
    ['unknown rate limit action', { stages: { tts: { rateLimit: { onLimit: 'drop' } } } }],
    ['zero rate', { stages: { tts: { rateLimit: { perSecond: 0 } } } }],
    ['unknown rate limit key', { stages: { tts: { rateLimit: { perMinute: 5 } } } }],
    ['negative timeout', { stages: { stt: { timeoutMs: -1 } } }],
    ['negative retries', { stages: { stt: { retries: -1 } } }],
    ['unknown leak mode', { leak: { mode: 'oom' } }],
    ['leak without a mode', { leak: { msPerCall: 5 } }],
    ['key of another leak mode', { leak: { mode: 'drift', maxSockets: 5 } }],
    ['stalls that overlap', { leak: { mode: 'gc', everyMs: 1000, stallMs: 900, jitter: 0.2 } }],
    ['share above 1', { slowPath: { share: 1.5 } }],
    ['unknown profile', { profile: 'broken' }],
    ['zero strength', { profile: 'leak', strength: 0 }],
    ['negative onset', { startAfterMs: -5 }],
    ['huge retained bytes', { leak: { mode: 'drift', retainBytesPerCall: 1e9 } }],
  ];
  for (const [name, overrides] of cases) {
    t.throws(() => resolveMockConfig(overrides as MockConfigOverrides), { code: 'VL_MOCK_OPTION_INVALID' }, name);
  }
});

t.test('fault routes read and change the config', async (t) => {
  const { audio, vad } = await sharedAudio();
  const agent = createMockAgent({ clock: new VirtualClock(), audio, vad, seed: 1, logger: silentLogger() });
  const app = Fastify({ logger: false });
  registerFaultRoutes(app, agent);
  t.teardown(async () => {
    agent.close();
    await app.close();
  });

  const read = await app.inject({ method: 'GET', url: '/faults' });
  t.equal(read.statusCode, 200, 'GET answers 200');
  t.equal(read.json().stages.llm.slots, null, 'GET returns the current config');

  const changed = await app.inject({ method: 'PUT', url: '/faults', payload: { profile: 'saturation' } });
  t.equal(changed.statusCode, 200, 'PUT answers 200');
  t.equal(changed.json().stages.llm.slots, 2, 'PUT returns the new config');
  t.equal(agent.config.stages.llm.slots, 2, 'PUT changes the agent');

  const invalid = await app.inject({ method: 'PUT', url: '/faults', payload: { stages: { llm: { slots: -1 } } } });
  t.equal(invalid.statusCode, 400, 'invalid PUT answers 400');
  t.equal(invalid.json().code, 'VL_MOCK_OPTION_INVALID', 'invalid PUT gives the code');
  t.equal(agent.config.stages.llm.slots, 2, 'invalid PUT keeps the config');
});

t.test('leak retains memory on a real clock only', async (t) => {
  const leak: MockConfigOverrides = { leak: { mode: 'drift', msPerCall: 0, retainBytesPerCall: 1 << 20 } };
  const { agent: simulated } = await simulateWithAgent(scenarioOf(5, 5), leak);
  t.equal(simulated.faultMetrics.retainedBytes, 0, 'a simulation keeps nothing');

  const { audio, vad } = await sharedAudio();
  const clock = new RealClock();
  const network = new MemoryNetwork(clock);
  const agent = createMockAgent({ clock, audio, vad, seed: 1, config: leak, logger: silentLogger() });
  network.listen('mem://mock-agent/media', (link) => agent.handleLink(link));
  t.teardown(() => agent.close());

  const link = await network.dial('mem://mock-agent/media');
  const greeted = new Promise<void>((resolve) => link.onMessage(() => resolve()));
  link.send(JSON.stringify({ event: 'connected', protocol: 'Call', version: '1.0.0' }));
  link.send(startMessage('MZ1', 'CA1'));
  await greeted;
  t.equal(agent.faultMetrics.retainedBytes, 1 << 20, 'a real clock keeps the bytes of one call');
});

function startMessage(streamSid: string, callSid: string): string {
  const mediaFormat = { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 };
  return JSON.stringify({ event: 'start', sequenceNumber: '1', streamSid, start: { accountSid: 'AC0', streamSid, callSid, tracks: ['inbound'], customParameters: {}, mediaFormat } });
}

t.test('load-bound profiles stay healthy at low load', async (t) => {
  const healthy = await simulate(scenarioOf(5, 2));
  for (const profile of ['saturation', 'tts-limit'] as const) {
    t.same(await simulate(scenarioOf(5, 2), { profile }), healthy, `${profile}: records match the healthy run`);
  }
});

t.test('default profiles show at 20 calls', async (t) => {
  const p90 = (records: CallRecord[]) => latencies(records).sort((a, b) => a - b)[Math.floor(0.9 * (latencies(records).length - 1))]!;
  const healthy = await simulate(scenarioOf(20, 20));
  const saturated = await simulate(scenarioOf(20, 20), { profile: 'saturation' });
  const ttsLimited = await simulate(scenarioOf(20, 20), { profile: 'tts-limit' });
  const lateGreetings = ttsLimited.filter((record) => (record.time_to_greeting_ms ?? Infinity) > 500).length;

  t.ok(p90(saturated) > p90(healthy) + 500, `saturation: p90 ${p90(saturated).toFixed(0)} ms against healthy ${p90(healthy).toFixed(0)} ms`);
  t.ok(lateGreetings >= 5, `tts-limit: ${lateGreetings} of 20 greetings late or dropped`);
});
