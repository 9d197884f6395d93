import t, { type Test } from 'tap';

import { MULAW_SILENCE } from '../audio/codec.js';
import {
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
import { createSwitch, SWITCH_OPTION_TABLE, type Switch, type SwitchModelOptions } from '../telephony-sim/index.js';
import { DelayLine } from '../telephony-sim/delay-line.js';
import { TokenBucket } from '../telephony-sim/token-bucket.js';

type Json = Record<string, any>;

const NUMBER = '+15550100';
const AGENT_URL = 'ws://agent.test/stream';
const AUDIO_BYTE = 0x55;
/** Upper bound on timers one advance may run, so a runaway schedule fails the test instead of hanging it. */
const MAX_TIMERS_PER_ADVANCE = 200_000;

// ---------------------------------------------------------------------------
// Manual clock and in-memory links: time moves only when the test advances it.

interface ManualTimer {
  id: number;
  dueAt: number;
  callback: () => void;
}

class ManualClock implements Clock {
  readonly virtual = true;
  private time = 0;
  private nextId = 1;
  private timers: ManualTimer[] = [];

  now(): number {
    return this.time;
  }

  setTimer(callback: () => void, delayMs: number): TimerHandle {
    const timer = { id: this.nextId++, dueAt: this.time + Math.max(0, delayMs), callback };
    this.timers.push(timer);
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

/** One end of an in-memory link. Messages and the close reach the peer in order, each through a zero-delay timer. */
class MemoryLink implements Link {
  peer!: MemoryLink;
  private isOpen = true;
  private messageHandlers: Array<(message: WireMessage) => void> = [];
  private closeHandlers: Array<(code: number, reason: string) => void> = [];

  constructor(private readonly clock: ManualClock) {}

  get open(): boolean {
    return this.isOpen;
  }

  send(message: WireMessage): void {
    if (!this.isOpen) return;
    this.clock.setTimer(() => this.peer.receive(message), 0);
  }

  close(code = 1000, reason = ''): void {
    if (!this.isOpen) return;
    this.finish(code, reason);
    this.clock.setTimer(() => this.peer.finish(code, reason), 0);
  }

  onMessage(handler: (message: WireMessage) => void): void {
    this.messageHandlers.push(handler);
  }

  onClose(handler: (code: number, reason: string) => void): void {
    this.closeHandlers.push(handler);
  }

  private receive(message: WireMessage): void {
    if (!this.isOpen) return;
    for (const handler of this.messageHandlers) handler(message);
  }

  private finish(code: number, reason: string): void {
    if (!this.isOpen) return;
    this.isOpen = false;
    for (const handler of this.closeHandlers) handler(code, reason);
  }
}

function linkPair(clock: ManualClock): [MemoryLink, MemoryLink] {
  const a = new MemoryLink(clock);
  const b = new MemoryLink(clock);
  a.peer = b;
  b.peer = a;
  return [a, b];
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
    readonly link: MemoryLink,
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

  sendAudio(bytes: number, fill = AUDIO_BYTE): void {
    this.link.send(JSON.stringify({ event: 'media', streamSid: this.streamSid, media: { payload: Buffer.alloc(bytes, fill).toString('base64') } }));
  }
}

class MemoryCaller {
  readonly messages: Received[] = [];
  readonly frames: Array<{ at: number; frame: AudioFrame }> = [];
  private seq = 0;

  constructor(
    readonly link: MemoryLink,
    private readonly clock: ManualClock,
  ) {
    link.onMessage((data) => {
      const at = clock.now();
      if (typeof data === 'string') this.messages.push({ at, message: JSON.parse(data) as Json });
      else this.frames.push({ at, frame: decodeFrame(data)! });
    });
  }

  dial(callId: string): void {
    this.link.send(JSON.stringify({ event: 'dial', callId, number: NUMBER, parameters: { callId } }));
  }

  sendFrame(flags = 0, fill = 0x10): void {
    this.link.send(encodeFrame({ seq: this.seq++, sentAt: this.clock.now(), flags, payload: Buffer.alloc(FRAME_BYTES, fill) }));
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
  agents: MemoryAgent[];
  call(callId: string): MemoryCaller;
  agentOf(callId: string): MemoryAgent;
}

function buildModel(t: Test, options: SwitchModelOptions = {}, script: AgentScript = () => undefined, seed: string | number = 'model'): Model {
  const clock = new ManualClock();
  const agents: MemoryAgent[] = [];
  const dial = async () => {
    const [switchSide, agentSide] = linkPair(clock);
    agents.push(new MemoryAgent(agentSide, clock, script));
    return switchSide;
  };
  const core = createSwitch({ clock, dial, routes: { [NUMBER]: AGENT_URL }, logger: silentLogger(), seed, ...options });
  t.teardown(() => core.close());

  const call = (callId: string) => {
    const [callerSide, switchSide] = linkPair(clock);
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
  return { clock, core, agents, call, agentOf };
}

function isSilence(frame: AudioFrame): boolean {
  return frame.payload.every((byte) => byte === MULAW_SILENCE);
}

function payloadOf(received: Received): Buffer {
  return Buffer.from(received.message['media']['payload'], 'base64');
}

// ---------------------------------------------------------------------------
// Building blocks.

t.test('token bucket refills from elapsed time', async (t) => {
  const clock = new ManualClock();
  const bucket = new TokenBucket(clock, 2, 1);

  t.ok(bucket.tryTake(), 'full bucket gives a token');
  t.notOk(bucket.tryTake(), 'empty bucket refuses');
  t.equal(bucket.msUntilToken(), 500, 'next token in 500 ms at 2 per second');
  await clock.advance(499);
  t.notOk(bucket.tryTake(), 'no token before 500 ms');
  await clock.advance(1);
  t.ok(bucket.tryTake(), 'token at 500 ms');
  await clock.advance(10_000);
  t.ok(bucket.tryTake(), 'first token after a long idle');
  t.notOk(bucket.tryTake(), 'burst of 1 caps the refill');
});

t.test('delay line never reorders', async (t) => {
  const clock = new ManualClock();
  const line = new DelayLine(clock);
  const delivered: Array<[string, number]> = [];

  line.push(50, () => delivered.push(['a', clock.now()]));
  line.push(20, () => delivered.push(['b', clock.now()]));
  line.push(70, () => delivered.push(['c', clock.now()]));
  await clock.advance(100);

  t.same(delivered, [['a', 50], ['b', 50], ['c', 70]], 'b waits for a, c keeps its own time');
});

t.test('delay line delivers due items at once', async (t) => {
  const clock = new ManualClock();
  const line = new DelayLine(clock);
  let delivered = false;

  line.push(clock.now(), () => (delivered = true));

  t.ok(delivered, 'delivered without a timer');
});

// ---------------------------------------------------------------------------
// Admission.

t.test('cps limit rejects the excess of a burst', async (t) => {
  const { clock, call, core } = buildModel(t, { callsPerSecond: 2, cpsBurst: 1 });

  const callers = ['c1', 'c2', 'c3', 'c4', 'c5'].map(call);
  await clock.advance(0);

  t.equal(callers.filter((caller) => caller.event('answered') !== undefined).length, 1, 'one call answered');
  const rejections = callers.flatMap((caller) => caller.messages.filter((item) => item.message['event'] === 'rejected'));
  t.equal(rejections.length, 4, 'four calls rejected');
  t.ok(rejections.every((item) => item.message['reason'] === 'rejected_cps'), 'reason rejected_cps');
  t.ok(rejections.every((item) => item.message['code'] === 503), 'code 503');
  t.equal(core.channelsInUse, 1, 'one channel in use');

  await clock.advance(500);
  const later = call('c6');
  await clock.advance(0);
  t.ok(later.event('answered'), 'call after 500 ms gets the refilled token');
});

t.test('channel cap rejects a second call', async (t) => {
  const { clock, call } = buildModel(t, { maxChannels: 1 });

  const first = call('first');
  await clock.advance(0);
  const second = call('second');
  await clock.advance(0);

  t.ok(first.event('answered'), 'first call answered');
  t.same(second.event('rejected')?.message, { event: 'rejected', callId: 'second', reason: 'rejected_busy', code: 486 }, 'second call busy');
  t.equal(second.record()?.admission_wait_ms, null, 'rejected call never admitted');

  first.hangup();
  await clock.advance(0);
  const third = call('third');
  await clock.advance(0);
  t.ok(third.event('answered'), 'channel freed by the hangup');
});

t.test('unknown number takes no channel', async (t) => {
  const { clock, core } = buildModel(t, { maxChannels: 1 });

  const [callerSide, switchSide] = linkPair(clock);
  core.handleCallerLink(switchSide);
  const caller = new MemoryCaller(callerSide, clock);
  callerSide.send(JSON.stringify({ event: 'dial', callId: 'wrong', number: '+19990000', parameters: {} }));
  await clock.advance(0);

  t.same(caller.event('rejected')?.message, { event: 'rejected', callId: 'wrong', reason: 'unknown_number', code: 404 }, 'rejected 404');
  t.equal(core.channelsInUse, 0, 'no channel taken');
});

t.test('queued call is admitted when a token refills', async (t) => {
  const { clock, call, core } = buildModel(t, { callsPerSecond: 1, cpsBurst: 1, admissionQueueMs: 1500 });

  const first = call('first');
  const second = call('second');
  await clock.advance(0);

  t.ok(first.event('answered'), 'first call answered at once');
  t.equal(second.event('answered'), undefined, 'second call waits');
  t.equal(core.admissionQueueDepth, 1, 'queue depth 1');

  await clock.advance(1000);
  t.equal(second.event('answered')?.at, 1000, 'second call answered when the token refills');
  t.equal(core.admissionQueueDepth, 0, 'queue empty');

  second.hangup();
  await clock.advance(0);
  const record = second.record()!;
  t.equal(record.admission_wait_ms, 1000, 'admission wait recorded');
  t.equal(record.setup_ms, 1000, 'setup time includes the wait');
});

t.test('queued call is rejected past the maximum wait', async (t) => {
  const { clock, call, core } = buildModel(t, { callsPerSecond: 1, cpsBurst: 1, admissionQueueMs: 300 });

  call('first');
  const second = call('second');
  await clock.advance(299);
  t.equal(second.event('rejected'), undefined, 'still queued at 299 ms');

  await clock.advance(1);
  const rejected = second.event('rejected');
  t.equal(rejected?.at, 300, 'rejected at the maximum wait');
  t.equal(rejected?.message['reason'], 'rejected_cps', 'reason names the limit');
  t.equal(rejected?.message['code'], 503, 'code 503');
  t.equal(core.admissionQueueDepth, 0, 'queue empty');
});

t.test('queue admits in arrival order as channels free', async (t) => {
  const { clock, call } = buildModel(t, { maxChannels: 1, admissionQueueMs: 10_000 });

  const first = call('first');
  await clock.advance(0);
  const second = call('second');
  await clock.advance(0);
  const third = call('third');
  await clock.advance(100);

  first.hangup();
  await clock.advance(100);
  t.equal(second.event('answered')?.at, 100, 'second admitted when the first ends');
  t.equal(third.event('answered'), undefined, 'third still waits');

  second.hangup();
  await clock.advance(0);
  t.equal(third.event('answered')?.at, 200, 'third admitted when the second ends');
});

t.test('queued busy call is rejected with 486', async (t) => {
  const { clock, call } = buildModel(t, { maxChannels: 1, admissionQueueMs: 250 });

  call('first');
  await clock.advance(0);
  const second = call('second');
  await clock.advance(250);

  t.equal(second.event('rejected')?.message['reason'], 'rejected_busy', 'reason rejected_busy');
  t.equal(second.event('rejected')?.message['code'], 486, 'code 486');
});

t.test('caller leaving the queue frees its place', async (t) => {
  const { clock, call, core } = buildModel(t, { maxChannels: 1, admissionQueueMs: 10_000 });

  const first = call('first');
  await clock.advance(0);
  const leaving = call('leaving');
  const waiting = call('waiting');
  await clock.advance(0);
  leaving.hangup();
  await clock.advance(0);
  t.equal(core.admissionQueueDepth, 1, 'one call left in the queue');

  first.hangup();
  await clock.advance(0);
  t.ok(waiting.event('answered'), 'the next call takes the channel');
  t.equal(leaving.event('answered'), undefined, 'the call that left is never answered');
});

// ---------------------------------------------------------------------------
// Network model.

t.test('agent-leg delay keeps order and adds its delay', async (t) => {
  const { clock, call, agentOf } = buildModel(t, { agentLegDelayMs: 40, agentLegJitterMs: 30 });

  const caller = call('tcp');
  await clock.advance(0);
  const sentAt: number[] = [];
  for (let i = 0; i < 50; i++) {
    sentAt.push(clock.now());
    caller.sendFrame();
    await clock.advance(FRAME_MS);
  }
  await clock.advance(100);

  const media = agentOf('tcp').media();
  t.same(media.map((item) => Number(item.message['media']['chunk'])), Array.from({ length: 50 }, (_, i) => i + 1), 'chunks arrive in order');
  const delays = media.map((item, i) => item.at - sentAt[i]!);
  t.ok(Math.min(...delays) >= 40, `every message delayed at least 40 ms (min ${Math.min(...delays)})`);
  t.ok(Math.max(...delays) < 70, `every message delayed under 70 ms (max ${Math.max(...delays)})`);
  t.ok(new Set(delays).size > 1, 'jitter varies the delay');
});

t.test('breakdown adds up with every delay', async (t) => {
  const answerDelayMs = 200;
  const script: AgentScript = (agent, received) => {
    if (received.message['event'] !== 'media' || received.message['media']['chunk'] !== '5') return;
    agent.clock.setTimer(() => agent.sendAudio(4 * FRAME_BYTES), answerDelayMs);
  };
  const { clock, call } = buildModel(t, { callerLegDelayMs: 30, jitterBufferMs: 40, agentLegDelayMs: 25 }, script);

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
  t.equal(turn.uplink_ms, 30 + 40 + 25, 'uplink is caller leg, jitter buffer and agent leg');
  t.equal(turn.agent_response_ms, answerDelayMs, 'agent response is the agent alone');
  t.equal(turn.downlink_ms, 25 + 30 + 40, 'downlink is agent leg, caller leg and jitter buffer');
  const heardAt = caller.frames.find((item) => item.frame.payload.includes(AUDIO_BYTE))!.at;
  const total = turn.uplink_ms + turn.agent_response_ms! + turn.playout_wait_ms! + turn.downlink_ms!;
  t.equal(total, heardAt - flaggedSentAt, 'components add up to the latency the caller heard');
});

t.test('downlink loss silences frames at a seeded rate', async (t) => {
  const frameCount = 500;
  const lossRate = 0.2;
  const run = async (seed: string) => {
    // The audio reaches the switch at time 0, before the first playout tick, and outlasts the call, so every silent frame is a lost one.
    const script: AgentScript = (agent, received) => {
      if (received.message['event'] === 'start') agent.sendAudio((frameCount + 20) * FRAME_BYTES);
    };
    const { clock, call } = buildModel(t, { downlinkLossRate: lossRate }, script, seed);
    const caller = call('lossy');
    await clock.advance(frameCount * FRAME_MS);
    caller.hangup();
    await clock.advance(0);
    return { pattern: caller.frames.map((item) => isSilence(item.frame)), record: caller.record()! };
  };

  const { pattern, record } = await run('loss-seed');
  const silenced = pattern.filter(Boolean).length;
  t.equal(pattern.length, frameCount, `${frameCount} frames played`);
  t.equal(record.downlink_frames_lost, silenced, 'record counts the silenced frames');
  t.ok(Math.abs(silenced - frameCount * lossRate) <= 35, `${silenced} of ${frameCount} frames silenced, expected about ${frameCount * lossRate}`);
  const again = await run('loss-seed');
  t.same(again.pattern, pattern, 'same seed silences the same frames');
  const other = await run('other-seed');
  t.not(other.pattern.join(), pattern.join(), 'another seed silences other frames');
});

t.test('uplink loss forwards silence in place of frames', async (t) => {
  const { clock, call, agentOf } = buildModel(t, { uplinkLossRate: 0.5 });

  const caller = call('up');
  await clock.advance(0);
  for (let i = 0; i < 200; i++) {
    caller.sendFrame();
    await clock.advance(FRAME_MS);
  }
  caller.hangup();
  await clock.advance(0);

  const media = agentOf('up').media();
  const silenced = media.filter((item) => payloadOf(item).every((byte) => byte === MULAW_SILENCE)).length;
  const record = caller.record()!;
  t.equal(media.length, 200, 'every frame forwarded');
  t.equal(record.uplink_frames_lost, silenced, 'record counts the silenced frames');
  t.ok(Math.abs(silenced - 100) <= 25, `${silenced} of 200 frames lost, expected about 100`);
});

t.test('frames later than the jitter buffer play as silence', async (t) => {
  const { clock, call, agentOf } = buildModel(t, { callerLegJitterMs: 40, jitterBufferMs: 20 });

  const caller = call('late');
  await clock.advance(0);
  const sentAt: number[] = [];
  for (let i = 0; i < 200; i++) {
    sentAt.push(clock.now());
    caller.sendFrame();
    await clock.advance(FRAME_MS);
  }
  caller.hangup();
  await clock.advance(0);

  const media = agentOf('late').media();
  const record = caller.record()!;
  const silenced = media.filter((item) => payloadOf(item).every((byte) => byte === MULAW_SILENCE)).length;
  t.equal(record.uplink_frames_late, silenced, 'record counts the late frames');
  t.ok(Math.abs(silenced - 100) <= 25, `${silenced} of 200 frames late, expected about 100 with jitter up to twice the buffer`);
  t.ok(media.every((item, i) => item.at - sentAt[i]! === 20), 'every frame leaves the buffer 20 ms after sending');
});

t.test('playout phase is seeded per call', async (t) => {
  const phaseOf = async (seed: string, callId: string) => {
    const { clock, call } = buildModel(t, {}, () => undefined, seed);
    const caller = call(callId);
    await clock.advance(100);
    const answeredAt = caller.event('answered')!.at;
    const firstFrameAt = caller.frames[0]!.at;
    caller.hangup();
    await clock.advance(0);
    return { phase: caller.record()!.playout_phase_ms!, offset: firstFrameAt - answeredAt };
  };

  const first = await phaseOf('phase', 'a');
  t.ok(first.phase >= 0 && first.phase < FRAME_MS, `phase ${first.phase} in [0, 20)`);
  t.equal(first.offset, first.phase, 'first frame leaves at answer plus the phase');
  t.same(await phaseOf('phase', 'a'), first, 'same seed and call id give the same phase');
  t.not((await phaseOf('phase', 'b')).phase, first.phase, 'another call id gives another phase');
});

// ---------------------------------------------------------------------------
// Metrics and options.

t.test('metrics text counts rejections live', async (t) => {
  const { clock, call, core } = buildModel(t, { maxChannels: 1 });

  call('kept');
  await clock.advance(0);
  call('busy');
  await clock.advance(0);
  const text = core.metricsText();

  t.match(text, /^voice_load_switch_channels_in_use 1$/m, 'channels in use');
  t.match(text, /^voice_load_switch_rejections_total\{reason="rejected_busy"\} 1$/m, 'rejection by reason');
  t.match(text, /^voice_load_switch_calls_total\{outcome="rejected"\} 1$/m, 'calls by outcome');
  t.match(text, /^voice_load_switch_admission_queue_depth 0$/m, 'queue depth');
  t.match(text, /^# TYPE voice_load_switch_frames_forwarded_total counter$/m, 'frames counter typed');
});

t.test('invalid options are usage errors', async (t) => {
  const cases: Array<[string, SwitchModelOptions, string]> = [
    ['negative cps', { callsPerSecond: -1 }, 'VL_INVALID_OPTION'],
    ['fractional burst', { callsPerSecond: 2, cpsBurst: 1.5 }, 'VL_INVALID_OPTION'],
    ['zero channels', { maxChannels: 0 }, 'VL_INVALID_OPTION'],
    ['loss above 1', { uplinkLossRate: 1.5 }, 'VL_INVALID_OPTION'],
    ['NaN delay', { agentLegDelayMs: Number.NaN }, 'VL_INVALID_OPTION'],
    ['burst without cps', { cpsBurst: 2 }, 'VL_OPTION_CONFLICT'],
    ['queue without a limit', { admissionQueueMs: 100 }, 'VL_OPTION_CONFLICT'],
    ['jitter without a buffer', { callerLegJitterMs: 10 }, 'VL_OPTION_CONFLICT'],
  ];
  const clock = new ManualClock();
  for (const [label, options, code] of cases) {
    const build = () => createSwitch({ clock, dial: async () => linkPair(clock)[0], routes: {}, logger: silentLogger(), ...options });
    let caught: unknown;
    try {
      build();
    } catch (err) {
      caught = err;
    }
    t.equal(isVoiceLoadError(caught) ? caught.code : undefined, code, `${label} is ${code}`);
  }
});

t.test('option table names every flag once', async (t) => {
  const flags = SWITCH_OPTION_TABLE.map((option) => option.flag);
  t.equal(new Set(flags).size, flags.length, 'flags are unique');
  for (const flag of ['--cps', '--cps-burst', '--channels', '--admission-queue-ms', '--uplink-loss', '--downlink-loss', '--jitter-buffer-ms', '--agent-leg-delay-ms', '--agent-leg-jitter-ms']) {
    t.ok(flags.includes(flag), `table has ${flag}`);
  }
});
