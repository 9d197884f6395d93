import t, { type Test } from 'tap';

import {
  createMemoryLinkPair,
  decodeFrame,
  encodeFrame,
  FLAG_SPEECH_END,
  FRAME_BYTES,
  FRAME_MS,
  isVoiceLoadError,
  silentLogger,
  type AudioFrame,
  type CallDetailRecord,
  type Clock,
  type Link,
  type TimerHandle,
  type WireMessage,
} from '../core/index.js';
import { runSimulation } from '../cli/simulation.js';
import { loadScenario, type CallRecord } from '../driver/index.js';
import { createSwitch, ROUTING_PROFILE, SWITCH_OPTION_TABLE, type Switch, type SwitchModelOptions } from '../telephony-sim/index.js';
import { sharedAudio } from './helpers/stack.js';

type Json = Record<string, any>;

const NUMBER = '+15550100';
const AGENT_URL = 'ws://agent.test/stream';
const AUDIO_BYTE = 0x55;
/** Upper bound on timers one advance may run, so a runaway schedule fails the test instead of hanging it. */
const MAX_TIMERS_PER_ADVANCE = 200_000;

// ---------------------------------------------------------------------------
// Manual clock: time moves only when the test advances it.

interface ManualTimer {
  id: number;
  dueAt: number;
  callback: () => void;
}

class ManualClock implements Clock {
  readonly virtual = true;
  /** Timers ever set, to check that a setting adds none. */
  timersSet = 0;
  private time = 0;
  private nextId = 1;
  private timers: ManualTimer[] = [];

  now(): number {
    return this.time;
  }

  setTimer(callback: () => void, delayMs: number): TimerHandle {
    const timer = { id: this.nextId++, dueAt: this.time + Math.max(0, delayMs), callback };
    this.timers.push(timer);
    this.timersSet++;
    return { id: timer.id };
  }

  clearTimer(handle: TimerHandle | undefined): void {
    if (handle !== undefined) this.timers = this.timers.filter((timer) => timer.id !== handle.id);
  }

  sleep(delayMs: number): Promise<void> {
    return new Promise((resolve) => this.setTimer(resolve, delayMs));
  }

  wallTime(): Date {
    return new Date(this.time);
  }

  /** Runs every timer due by `now() + ms` in (due time, creation) order, settling promises after each. */
  async advance(ms: number): Promise<void> {
    const until = this.time + ms;
    await settle();
    for (let count = 0; ; count++) {
      if (count > MAX_TIMERS_PER_ADVANCE) throw new Error(`more than ${MAX_TIMERS_PER_ADVANCE} timers in one advance`);
      const next = this.nextDue();
      if (next === undefined || next.dueAt > until) break;
      this.timers.splice(this.timers.indexOf(next), 1);
      this.time = next.dueAt;
      next.callback();
      await settle();
    }
    this.time = until;
  }

  private nextDue(): ManualTimer | undefined {
    let best: ManualTimer | undefined;
    for (const timer of this.timers) {
      if (best === undefined || timer.dueAt < best.dueAt || (timer.dueAt === best.dueAt && timer.id < best.id)) best = timer;
    }
    return best;
  }
}

/** Lets promise callbacks such as the switch's dial().then run, because the chains here are a few steps deep. */
async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

// ---------------------------------------------------------------------------
// Scripted agent and caller on in-memory links.

interface Received {
  at: number;
  message: Json;
}

type AgentScript = (agent: MemoryAgent, received: Received) => void;

class MemoryAgent {
  readonly received: Received[] = [];
  streamSid = '';
  callId = '';

  constructor(
    readonly link: Link,
    readonly clock: ManualClock,
    private readonly script: AgentScript,
  ) {
    link.onMessage((data) => {
      const received = { at: clock.now(), message: JSON.parse(String(data)) as Json };
      if (received.message['event'] === 'start') {
        this.streamSid = received.message['streamSid'];
        this.callId = received.message['start']['customParameters']['callId'];
      }
      this.received.push(received);
      this.script(this, received);
    });
  }

  media(): Received[] {
    return this.received.filter((item) => item.message['event'] === 'media');
  }

  sendAudio(bytes: number): void {
    this.link.send(JSON.stringify({ event: 'media', streamSid: this.streamSid, media: { payload: Buffer.alloc(bytes, AUDIO_BYTE).toString('base64') } }));
  }
}

class MemoryCaller {
  readonly messages: Received[] = [];
  readonly frames: Array<{ at: number; frame: AudioFrame }> = [];
  /** Send time of each frame, indexed by its position, which is its chunk number minus 1 once answered. */
  readonly sentAt: number[] = [];
  private seq = 0;

  constructor(
    readonly link: Link,
    private readonly clock: ManualClock,
  ) {
    link.onMessage((data: WireMessage) => {
      const at = clock.now();
      if (typeof data === 'string') this.messages.push({ at, message: JSON.parse(data) as Json });
      else this.frames.push({ at, frame: decodeFrame(data)! });
    });
  }

  dial(callId: string): void {
    this.link.send(JSON.stringify({ event: 'dial', callId, number: NUMBER, parameters: { callId } }));
  }

  sendFrame(flags = 0): void {
    this.sentAt.push(this.clock.now());
    this.link.send(encodeFrame({ seq: this.seq++, sentAt: this.clock.now(), flags, payload: Buffer.alloc(FRAME_BYTES, 0x10) }));
  }

  hangup(): void {
    this.link.send(JSON.stringify({ event: 'hangup' }));
  }

  event(name: string): Received | undefined {
    return this.messages.find((item) => item.message['event'] === name);
  }

  record(): CallDetailRecord | undefined {
    return this.event('cdr')?.message['record'] as CallDetailRecord | undefined;
  }
}

interface Model {
  clock: ManualClock;
  core: Switch;
  call(callId: string): MemoryCaller;
  agentOf(callId: string): MemoryAgent;
}

function buildModel(t: Test, options: SwitchModelOptions = {}, script: AgentScript = () => undefined, seed = 'routing'): Model {
  const clock = new ManualClock();
  const agents: MemoryAgent[] = [];
  const dial = async () => {
    const [switchSide, agentSide] = createMemoryLinkPair(clock);
    agents.push(new MemoryAgent(agentSide, clock, script));
    return switchSide;
  };
  const core = createSwitch({ clock, dial, routes: { [NUMBER]: AGENT_URL }, logger: silentLogger(), seed, ...options });
  t.teardown(() => core.close());

  const call = (callId: string) => {
    const [callerSide, switchSide] = createMemoryLinkPair(clock);
    core.handleCallerLink(switchSide);
    const caller = new MemoryCaller(callerSide, clock);
    caller.dial(callId);
    return caller;
  };
  const agentOf = (callId: string) => {
    const agent = agents.find((candidate) => candidate.callId === callId);
    if (agent === undefined) throw new Error(`no agent stream for ${callId}`);
    return agent;
  };
  return { clock, core, call, agentOf };
}

/** Sends one frame per 20 ms from every caller, `count` times. */
async function talk(clock: ManualClock, callers: MemoryCaller[], count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    for (const caller of callers) caller.sendFrame();
    await clock.advance(FRAME_MS);
  }
}

/** Delay of each frame from the caller's send to the agent's receipt, in chunk order. */
function uplinkDelays(caller: MemoryCaller, agent: MemoryAgent): number[] {
  return agent.media().map((item) => item.at - caller.sentAt[Number(item.message['media']['chunk']) - 1]!);
}

// ---------------------------------------------------------------------------
// Setup.

t.test('setup queues when workers are busy', async (t) => {
  const { clock, call } = buildModel(t, { routingWorkers: 2, routingSetupMs: 100 });

  const callers = ['c1', 'c2', 'c3', 'c4', 'c5'].map(call);
  await clock.advance(500);
  for (const caller of callers) caller.hangup();
  await clock.advance(0);

  const setups = callers.map((caller) => caller.record()!.setup_ms);
  t.same(setups, [100, 100, 200, 200, 300], 'two setups at a time, first in first out');
  t.same(callers.map((caller) => caller.record()!.admission_wait_ms), [0, 0, 0, 0, 0], 'admission took no time');
  t.equal(callers[4]!.event('answered')?.at, 300, 'last call answered after three setup rounds');
});

t.test('call ending during setup is never connected', async (t) => {
  const { clock, call, core } = buildModel(t, { routingWorkers: 1, routingSetupMs: 100 });

  call('first');
  const leaving = call('leaving');
  await clock.advance(50);
  leaving.hangup();
  await clock.advance(300);

  t.equal(leaving.event('answered'), undefined, 'call that left is not answered');
  t.equal(leaving.record()?.end_reason, 'caller_hangup', 'ended by the caller');
  t.equal(core.activeCalls, 1, 'only the first call is active');
});

// ---------------------------------------------------------------------------
// Per-frame cost.

t.test('frame cost adds to uplink and downlink', async (t) => {
  const frameMs = 3;
  const answerDelayMs = 200;
  const script: AgentScript = (agent, received) => {
    if (received.message['event'] !== 'media' || received.message['media']['chunk'] !== '5') return;
    agent.clock.setTimer(() => agent.sendAudio(4 * FRAME_BYTES), answerDelayMs);
  };
  // Two workers, so one call's uplink and downlink frames never wait for each other.
  const options = { callerLegDelayMs: 30, jitterBufferMs: 40, agentLegDelayMs: 25, routingWorkers: 2, routingFrameMs: frameMs };
  const { clock, call } = buildModel(t, options, script);

  const caller = call('sum');
  await clock.advance(0);
  let flaggedSentAt = 0;
  for (let i = 1; i <= 5; i++) {
    if (i === 5) flaggedSentAt = clock.now();
    caller.sendFrame(i === 5 ? FLAG_SPEECH_END : 0);
    await clock.advance(FRAME_MS);
  }
  await clock.advance(1000);
  caller.hangup();
  await clock.advance(0);

  const turn = caller.record()!.turns[0]!;
  t.equal(turn.uplink_ms, 30 + 40 + frameMs + 25, 'uplink is caller leg, jitter buffer, routing and agent leg');
  t.equal(turn.agent_response_ms, answerDelayMs, 'agent response is the agent alone');
  t.equal(turn.downlink_ms, 25 + frameMs + 30 + 40, 'downlink is agent leg, routing, caller leg and jitter buffer');
  const heardAt = caller.frames.find((item) => item.frame.payload.includes(AUDIO_BYTE))!.at;
  const total = turn.uplink_ms + turn.agent_response_ms! + turn.playout_wait_ms! + turn.downlink_ms!;
  t.equal(total, heardAt - flaggedSentAt, 'components add up to the latency the caller heard');
});

t.test('breakdown adds up while frames queue', async (t) => {
  const answerDelayMs = 150;
  const script: AgentScript = (agent, received) => {
    if (received.message['event'] !== 'media' || received.message['media']['chunk'] !== '10') return;
    agent.clock.setTimer(() => agent.sendAudio(6 * FRAME_BYTES), answerDelayMs);
  };
  // Six calls forward 600 frames per second (300 each way) to one worker at 1.5 ms each: 90% busy, so frames queue.
  const { clock, call } = buildModel(t, { agentLegDelayMs: 10, routingWorkers: 1, routingFrameMs: 1.5 }, script);

  const callers = ['q1', 'q2', 'q3', 'q4', 'q5', 'q6'].map(call);
  await clock.advance(0);
  const flaggedSentAt = new Map<MemoryCaller, number>();
  for (let i = 1; i <= 10; i++) {
    for (const caller of callers) {
      if (i === 10) flaggedSentAt.set(caller, clock.now());
      caller.sendFrame(i === 10 ? FLAG_SPEECH_END : 0);
    }
    await clock.advance(FRAME_MS);
  }
  await clock.advance(1000);
  for (const caller of callers) caller.hangup();
  await clock.advance(0);

  const uplinkExtras: number[] = [];
  for (const caller of callers) {
    const record = caller.record()!;
    const turn = record.turns[0]!;
    const heardAt = caller.frames.find((item) => item.frame.payload.includes(AUDIO_BYTE))!.at;
    const total = turn.uplink_ms + turn.agent_response_ms! + turn.playout_wait_ms! + turn.downlink_ms!;
    t.equal(total, heardAt - flaggedSentAt.get(caller)!, `${record.call_id} components add up`);
    uplinkExtras.push(turn.uplink_ms - 10);
  }
  t.ok(Math.min(...uplinkExtras) >= 1.5, `every uplink has at least one frame cost (min ${Math.min(...uplinkExtras)} ms)`);
  t.ok(Math.max(...uplinkExtras) > 1.5, `some uplink waited behind other frames (max ${Math.max(...uplinkExtras)} ms)`);
});

t.test('routed frames keep their order', async (t) => {
  const { clock, call, agentOf } = buildModel(t, { routingWorkers: 3, routingFrameMs: 7, routingSetupMs: 30 });

  const callers = ['o1', 'o2', 'o3', 'o4'].map(call);
  await clock.advance(100);
  await talk(clock, callers, 50);
  await clock.advance(200);

  for (const id of ['o1', 'o2', 'o3', 'o4']) {
    const chunks = agentOf(id).media().map((item) => Number(item.message['media']['chunk']));
    t.same(chunks, Array.from({ length: 50 }, (_, i) => i + 1), `${id} chunks arrive in order`);
  }
  for (const caller of callers) {
    const seqs = caller.frames.map((item) => item.frame.seq);
    t.ok(seqs.every((seq, i) => i === 0 || seq === seqs[i - 1]! + 1), 'downlink frames arrive in order');
  }
});

// ---------------------------------------------------------------------------
// Stalls and onset.

t.test('stall delays every call at once', async (t) => {
  const stallMs = 200;
  const { clock, call, agentOf, core } = buildModel(t, { routingWorkers: 4, routingStallEveryMs: 1000, routingStallMs: stallMs });

  const ids = ['s1', 's2', 's3'];
  const callers = ids.map(call);
  await clock.advance(0);
  let busyDuringStall = 0;
  for (let i = 0; i < 150; i++) {
    for (const caller of callers) caller.sendFrame();
    busyDuringStall = Math.max(busyDuringStall, core.sampleMetrics().routingBusyWorkers);
    await clock.advance(FRAME_MS);
  }
  await clock.advance(stallMs);

  // A frame sent during a stall reaches the agent when the stall ends; frame cost is 0, so no other frame waits.
  const stallEnds = ids.map((id, index) => {
    const agent = agentOf(id);
    const delays = uplinkDelays(callers[index]!, agent);
    return [...new Set(agent.media().filter((_, chunk) => delays[chunk]! > 0).map((item) => item.at))];
  });
  const stalls = core.sampleMetrics().routingStalls;
  t.ok(stalls >= 2 && stalls <= 3, `2 or 3 stalls in 3 s at one per 800 to 1200 ms (got ${stalls})`);
  t.equal(stallEnds[0]!.length, stalls, 'first call delayed once per stall');
  t.same(stallEnds[1], stallEnds[0], 'second call released at the same instants');
  t.same(stallEnds[2], stallEnds[0], 'third call released at the same instants');
  const maxDelay = Math.max(...ids.flatMap((id, index) => uplinkDelays(callers[index]!, agentOf(id))));
  t.ok(maxDelay <= stallMs, `no frame waits longer than a stall (max ${maxDelay} ms)`);
  t.ok(maxDelay > stallMs - 2 * FRAME_MS, `a frame sent at a stall's start waits nearly all of it (max ${maxDelay} ms)`);
  t.equal(busyDuringStall, 4, 'every worker reads busy during a stall');
});

t.test('stall times follow the seed', async (t) => {
  const stallTimes = async (seed: string) => {
    const { clock, core } = buildModel(t, { routingWorkers: 1, routingStallEveryMs: 500, routingStallMs: 50 }, () => undefined, seed);
    const startedAt: number[] = [];
    let seen = 0;
    for (let time = 0; time < 5000; time += 5) {
      const stalls = core.sampleMetrics().routingStalls;
      if (stalls > seen) startedAt.push(clock.now());
      seen = stalls;
      await clock.advance(5);
    }
    return startedAt;
  };

  const first = await stallTimes('stall-seed');
  t.ok(first.length >= 8 && first.length <= 12, `about 10 stalls in 5 s (got ${first.length})`);
  const gaps = first.slice(1).map((at, i) => at - first[i]!);
  t.ok(gaps.every((gap) => gap >= 400 - 5 && gap <= 600 + 5), `intervals within 20% of 500 ms (${gaps.join(', ')})`);
  t.ok(new Set(gaps).size > 1, 'intervals vary');
  t.same(await stallTimes('stall-seed'), first, 'same seed stalls at the same times');
  t.not((await stallTimes('other-seed')).join(), first.join(), 'another seed stalls at other times');
});

t.test('routing costs start after the onset', async (t) => {
  const options = { routingWorkers: 1, routingSetupMs: 100, routingStartAfterMs: 2000, routingStallEveryMs: 1000, routingStallMs: 100 };
  const { clock, call, core } = buildModel(t, options);

  const early = call('early');
  await clock.advance(0);
  t.equal(early.event('answered')?.at, 0, 'call before the onset is answered at once');
  await clock.advance(2700);
  t.equal(core.sampleMetrics().routingStalls, 0, 'no stall in the first 800 ms after the onset');

  const late = call('late');
  await clock.advance(200);
  t.equal(late.event('answered')?.at, 2800, 'call after the onset takes the setup time');
  await clock.advance(300);
  t.equal(core.sampleMetrics().routingStalls, 1, 'first stall within 1200 ms of the onset');
});

// ---------------------------------------------------------------------------
// Engine off.

/** Runs two calls with a turn each, with network delay and jitter, and returns their records and the timers set. */
async function scriptedRun(t: Test, options: SwitchModelOptions): Promise<{ records: CallDetailRecord[]; timersSet: number }> {
  const script: AgentScript = (agent, received) => {
    if (received.message['event'] === 'start') agent.sendAudio(3 * FRAME_BYTES);
    if (received.message['event'] === 'media' && received.message['media']['chunk'] === '20') {
      agent.clock.setTimer(() => agent.sendAudio(1000), 300);
      agent.link.send(JSON.stringify({ event: 'mark', streamSid: agent.streamSid, mark: { name: 'answer' } }));
    }
  };
  const network = { callerLegDelayMs: 20, callerLegJitterMs: 15, jitterBufferMs: 20, agentLegDelayMs: 10, agentLegJitterMs: 8, uplinkLossRate: 0.05 };
  const { clock, call } = buildModel(t, { ...network, ...options }, script, 'engine-off');

  const callers = [call('a'), call('b')];
  await clock.advance(0);
  for (let i = 1; i <= 40; i++) {
    for (const caller of callers) caller.sendFrame(i === 20 ? FLAG_SPEECH_END : 0);
    await clock.advance(FRAME_MS);
  }
  await clock.advance(1000);
  for (const caller of callers) caller.hangup();
  await clock.advance(100);
  return { records: callers.map((caller) => caller.record()!), timersSet: clock.timersSet };
}

t.test('engine off changes nothing', async (t) => {
  const off = await scriptedRun(t, {});
  const free = await scriptedRun(t, { routingWorkers: 1 });
  const costly = await scriptedRun(t, { routingWorkers: 1, routingFrameMs: 2 });

  t.equal(off.records[0]!.turns.length, 1, 'the run has a turn to compare');
  t.same(free.records, off.records, 'an engine that costs nothing leaves the records unchanged');
  t.equal(free.timersSet, off.timersSet, 'an engine that costs nothing sets no timer');
  t.not(costly.records[0]!.turns[0]!.uplink_ms, off.records[0]!.turns[0]!.uplink_ms, 'a frame cost does change the records');
});

// ---------------------------------------------------------------------------
// Metrics sample and options.

t.test('sample reports the routing queue', async (t) => {
  const { clock, call, core } = buildModel(t, { routingWorkers: 1, routingSetupMs: 100, maxChannels: 10 });

  const before = core.sampleMetrics();
  t.equal(before.routingQueueDepth, 0, 'queue empty before the burst');
  t.equal(before.routingWorkers, 1, 'one worker');

  ['b1', 'b2', 'b3', 'b4', 'b5'].map(call);
  await clock.advance(0);
  const during = core.sampleMetrics();
  t.equal(during.routingQueueDepth, 4, 'four setups wait behind the first');
  t.equal(during.routingBusyWorkers, 1, 'the worker is busy');
  t.equal(during.callsActive, 5, 'five calls active');
  t.equal(during.channelsInUse, 5, 'each holds a channel while routed');
  t.equal(during.at, 0, 'sample time');

  await clock.advance(250);
  t.equal(core.sampleMetrics().routingQueueDepth, 2, 'two setups done, one running, two waiting');
  await clock.advance(300);
  const after = core.sampleMetrics();
  t.equal(after.routingQueueDepth, 0, 'queue drained');
  t.equal(after.routingBusyWorkers, 0, 'worker idle');
  t.same(JSON.parse(JSON.stringify(after)), after, 'sample is plain data');
  t.not(core.sampleMetrics(), after, 'each sample is a new object');
});

t.test('sample counts frames and rejections', async (t) => {
  const { clock, call, core } = buildModel(t, { maxChannels: 1 });

  const kept = call('kept');
  await clock.advance(0);
  call('busy');
  await talk(clock, [kept], 10);

  const sample = core.sampleMetrics();
  t.same(sample.rejectionsByReason, { rejected_busy: 1 }, 'rejection by reason');
  t.equal(sample.frames.uplink.forwarded, 10, 'uplink frames forwarded');
  t.ok(sample.frames.downlink.forwarded >= 9, `downlink frames forwarded (${sample.frames.downlink.forwarded})`);
  t.equal(sample.frames.uplink.dropped.lost, 0, 'no uplink loss');
  t.equal(sample.routingWorkers, null, 'routing unlimited');
  t.equal(sample.routingStalls, 0, 'no stalls without an engine');
});

t.test('metrics text has routing gauges', async (t) => {
  const { clock, call, core } = buildModel(t, { routingWorkers: 2, routingSetupMs: 100 });

  t.notMatch(buildModel(t).core.metricsText(), /routing_/, 'no routing gauges with the engine off');
  ['m1', 'm2', 'm3'].map(call);
  await clock.advance(0);
  const text = core.metricsText();
  t.match(text, /^voice_load_switch_routing_workers 2$/m, 'workers');
  t.match(text, /^voice_load_switch_routing_busy_workers 2$/m, 'busy workers');
  t.match(text, /^voice_load_switch_routing_queue_depth 1$/m, 'queue depth');
  t.match(text, /^voice_load_switch_routing_stalls_total 0$/m, 'stalls counter');
  t.match(text, /^# TYPE voice_load_switch_routing_stalls_total counter$/m, 'stalls typed as a counter');
});

t.test('invalid routing options are usage errors', async (t) => {
  const cases: Array<[string, SwitchModelOptions, string]> = [
    ['zero workers', { routingWorkers: 0 }, 'VL_INVALID_OPTION'],
    ['fractional workers', { routingWorkers: 1.5 }, 'VL_INVALID_OPTION'],
    ['negative setup', { routingWorkers: 1, routingSetupMs: -1 }, 'VL_INVALID_OPTION'],
    ['NaN frame cost', { routingWorkers: 1, routingFrameMs: Number.NaN }, 'VL_INVALID_OPTION'],
    ['infinite stall', { routingWorkers: 1, routingStallEveryMs: 1000, routingStallMs: Number.POSITIVE_INFINITY }, 'VL_INVALID_OPTION'],
    ['zero stall interval', { routingWorkers: 1, routingStallEveryMs: 0, routingStallMs: 10 }, 'VL_INVALID_OPTION'],
    ['negative onset', { routingWorkers: 1, routingStartAfterMs: -5 }, 'VL_INVALID_OPTION'],
    ['setup without workers', { routingSetupMs: 100 }, 'VL_OPTION_CONFLICT'],
    ['onset without workers', { routingStartAfterMs: 100 }, 'VL_OPTION_CONFLICT'],
    ['interval without duration', { routingWorkers: 1, routingStallEveryMs: 1000 }, 'VL_OPTION_CONFLICT'],
    ['duration without interval', { routingWorkers: 1, routingStallMs: 100 }, 'VL_OPTION_CONFLICT'],
    ['overlapping stalls', { routingWorkers: 1, routingStallEveryMs: 1000, routingStallMs: 800 }, 'VL_OPTION_CONFLICT'],
  ];
  const clock = new ManualClock();
  for (const [label, options, code] of cases) {
    const build = () => createSwitch({ clock, dial: async () => createMemoryLinkPair(clock)[0], routes: {}, logger: silentLogger(), ...options });
    let caught: unknown;
    try {
      build();
    } catch (err) {
      caught = err;
    }
    t.equal(isVoiceLoadError(caught) ? caught.code : undefined, code, `${label} is ${code}`);
  }
});

t.test('routing profile and flags are valid', async (t) => {
  const clock = new ManualClock();
  t.doesNotThrow(() => createSwitch({ clock, dial: async () => createMemoryLinkPair(clock)[0], routes: {}, logger: silentLogger(), ...ROUTING_PROFILE }), 'profile passes validation');

  const flags = SWITCH_OPTION_TABLE.map((option) => option.flag);
  for (const flag of ['--routing-workers', '--routing-setup-ms', '--routing-frame-ms', '--routing-stall-every-ms', '--routing-stall-ms', '--routing-start-after-ms']) {
    t.ok(flags.includes(flag), `table has ${flag}`);
  }
});

// ---------------------------------------------------------------------------
// Whole scenario in simulated time.

/** Runs the bundled scenario at `calls` concurrent calls through a switch with ROUTING_PROFILE. */
async function simulateProfile(calls: number): Promise<CallRecord[]> {
  const { audio, vad } = await sharedAudio();
  const base = loadScenario(new URL('../scenarios/support.yaml', import.meta.url).pathname);
  const result = await runSimulation({ scenario: { ...base, repeats: calls / base.rows.length, maxParallel: calls }, audio, vad, switchOptions: ROUTING_PROFILE });
  return result.records;
}

function p90(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const index = (sorted.length - 1) * 0.9;
  const low = Math.floor(index);
  return sorted[low]! + (sorted[Math.min(low + 1, sorted.length - 1)]! - sorted[low]!) * (index - low);
}

/** Turns whose routing added over 100 ms to uplink plus downlink, with the time their caller stopped speaking. */
function routedSlowTurns(records: CallRecord[]): Array<{ callId: string; atMs: number }> {
  return records.flatMap((record) =>
    record.turns.flatMap((turn) => {
      const breakdown = record.switch?.turns.find((entry) => entry.turn === turn.turn);
      if (breakdown === undefined || breakdown.uplink_ms + (breakdown.downlink_ms ?? 0) <= 100) return [];
      return [{ callId: record.call_id, atMs: turn.at_ms }];
    }),
  );
}

t.test('routing profile slows calls more under load', async (t) => {
  const light = await simulateProfile(20);
  const heavy = await simulateProfile(50);
  const turnCount = (records: CallRecord[]) => records.reduce((sum, record) => sum + record.turns.length, 0);

  const setupP90 = (records: CallRecord[]) => p90(records.flatMap((record) => (record.setup_ms === null ? [] : [record.setup_ms])));
  t.ok(setupP90(heavy) > setupP90(light), `p90 setup grows from ${setupP90(light)} ms at 20 calls to ${setupP90(heavy)} ms at 50`);

  const lightShare = routedSlowTurns(light).length / turnCount(light);
  const heavyShare = routedSlowTurns(heavy).length / turnCount(heavy);
  t.ok(heavyShare > lightShare, `share of turns slowed by routing grows from ${lightShare.toFixed(2)} to ${heavyShare.toFixed(2)}`);

  // Stalls hit every call at once, so a slowed turn has a slowed turn of another call close by in time.
  const slow = routedSlowTurns(heavy);
  const clustered = slow.filter((turn) => slow.some((other) => other.callId !== turn.callId && Math.abs(other.atMs - turn.atMs) <= 1000));
  t.ok(clustered.length >= 0.9 * slow.length, `${clustered.length} of ${slow.length} slowed turns have another call's slowed turn within 1 s`);
});
