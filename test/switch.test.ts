import { Writable } from 'node:stream';

import websocket from '@fastify/websocket';
import Fastify from 'fastify';
import { pino } from 'pino';
import t, { type Test } from 'tap';
import type WebSocket from 'ws';

import { MULAW_SILENCE } from '../audio/codec.js';
import {
  decodeFrame,
  dialWebSocket,
  encodeFrame,
  FLAG_SPEECH_END,
  FRAME_BYTES,
  FRAME_MS,
  PeriodicSchedule,
  RealClock,
  silentLogger,
  type AudioFrame,
  type CallDetailRecord,
  type Clock,
  type Link,
  type Logger,
} from '../core/index.js';
import { createIdGenerator } from '../telephony-sim/ids.js';
import { startSwitchServer, type SwitchModelOptions, type SwitchServer } from '../telephony-sim/index.js';

type Json = Record<string, any>;

const clock = new RealClock();

/** Maximum wait for any expected message before a test fails. */
const WAIT_TIMEOUT_MS = 5_000;
/** Allowed lateness of a playout frame against its 20 ms grid. */
const FRAME_TOLERANCE_MS = 10;
/** Delay the scripted agent waits before responding to a turn. */
const AGENT_DELAY_MS = 150;
/** Delay before the scripted agent's first audio, so playout starts with silence. */
const GREETING_DELAY_MS = 100;
/** Gap between the two bursts of the odd-sizes script: longer than the 9 frames of the first. */
const SECOND_BURST_AFTER_MS = 300;

const AUDIO_BYTE = 0x55;
const SECOND_AUDIO_BYTE = 0x66;

const SID = { account: /^AC[0-9a-f]{32}$/, call: /^CA[0-9a-f]{32}$/, stream: /^MZ[0-9a-f]{32}$/ };

/** Items in arrival order, with promises that resolve when a matching one arrives. */
class Inbox<T> {
  readonly items: T[] = [];
  private waiters: Array<{ match: (item: T) => boolean; resolve: (item: T) => void }> = [];

  push(item: T): void {
    this.items.push(item);
    for (const waiter of [...this.waiters]) {
      if (!waiter.match(item)) continue;
      this.waiters.splice(this.waiters.indexOf(waiter), 1);
      waiter.resolve(item);
    }
  }

  /** Resolves with the first item, already received or still to come, that matches. */
  waitFor(match: (item: T) => boolean, label: string): Promise<T> {
    const found = this.items.find(match);
    if (found !== undefined) return Promise.resolve(found);
    return new Promise<T>((resolve, reject) => {
      const timer = clock.setTimer(() => reject(new Error(`timed out waiting for ${label}`)), WAIT_TIMEOUT_MS);
      this.waiters.push({
        match,
        resolve: (item) => {
          clock.clearTimer(timer);
          resolve(item);
        },
      });
    });
  }
}

// ---------------------------------------------------------------------------
// Scripted fake agent: the stand-in for the agent under test.

interface AgentEvent {
  at: number;
  message: Json | Buffer;
}

interface AgentSession {
  socket: WebSocket;
  inbox: Inbox<AgentEvent>;
  streamSid: string;
  params: Record<string, string>;
  /** Times the agent sent something, by label. */
  sentAt: Map<string, number>;
  closedAt: number | undefined;
}

type AgentScript = (session: AgentSession, event: AgentEvent) => void;

function sendMedia(session: AgentSession, bytes: number, fill: number): void {
  const payload = Buffer.alloc(bytes, fill).toString('base64');
  session.socket.send(JSON.stringify({ event: 'media', streamSid: session.streamSid, media: { payload } }));
}

function sendMark(session: AgentSession, name: string): void {
  session.socket.send(JSON.stringify({ event: 'mark', streamSid: session.streamSid, mark: { name } }));
}

function inboundChunk(event: AgentEvent): number | undefined {
  const message = event.message;
  if (Buffer.isBuffer(message) || message['event'] !== 'media') return undefined;
  return Number(message['media']['chunk']);
}

const SCRIPTS: Record<string, AgentScript> = {
  idle: () => undefined,

  /** Sends 1000 + 333 + 7 bytes and mark `first`, then 320 bytes and mark `second` once those have played. */
  'odd-sizes': (session, event) => {
    if (Buffer.isBuffer(event.message) || event.message['event'] !== 'start') return;
    clock.setTimer(() => {
      sendMedia(session, 1000, AUDIO_BYTE);
      sendMedia(session, 333, AUDIO_BYTE);
      sendMedia(session, 7, AUDIO_BYTE);
      sendMark(session, 'first');
      session.sentAt.set('audio', clock.now());
    }, GREETING_DELAY_MS);
    clock.setTimer(() => {
      sendMedia(session, 320, SECOND_AUDIO_BYTE);
      sendMark(session, 'second');
    }, GREETING_DELAY_MS + SECOND_BURST_AFTER_MS);
  },

  /** One second of audio and a mark, then `clear` on the caller's first frame. */
  clear: (session, event) => {
    if (!Buffer.isBuffer(event.message) && event.message['event'] === 'start') {
      sendMedia(session, 50 * FRAME_BYTES, AUDIO_BYTE);
      sendMark(session, 'long');
    }
    if (inboundChunk(event) === 1) {
      session.socket.send(JSON.stringify({ event: 'clear', streamSid: session.streamSid }));
    }
  },

  /** Responds to the 10th inbound frame after AGENT_DELAY_MS. */
  turn: (session, event) => {
    if (inboundChunk(event) !== 10) return;
    clock.setTimer(() => {
      sendMedia(session, 800, AUDIO_BYTE);
      session.sentAt.set('answer', clock.now());
      session.sentAt.set('heard', event.at);
    }, AGENT_DELAY_MS);
  },

  /** Closes the stream GREETING_DELAY_MS after `start`. */
  close: (session, event) => {
    if (Buffer.isBuffer(event.message) || event.message['event'] !== 'start') return;
    clock.setTimer(() => session.socket.close(1000), GREETING_DELAY_MS);
  },

  /** Two messages of each invalid kind, then 160 bytes of valid audio. */
  garbage: (session, event) => {
    if (Buffer.isBuffer(event.message) || event.message['event'] !== 'start') return;
    const streamSid = session.streamSid;
    const wav = Buffer.concat([Buffer.from('RIFF'), Buffer.alloc(4), Buffer.from('WAVE'), Buffer.alloc(FRAME_BYTES - 12, MULAW_SILENCE)]);
    for (let i = 0; i < 2; i++) {
      session.socket.send(Buffer.alloc(10));
      session.socket.send('{not json');
      session.socket.send(JSON.stringify({ event: 'dance', streamSid }));
      session.socket.send(JSON.stringify({ event: 'media', streamSid: 'MZ0', media: { payload: 'AAAA' } }));
      session.socket.send(JSON.stringify({ event: 'mark', streamSid, mark: {} }));
      session.socket.send(JSON.stringify({ event: 'media', streamSid, media: { payload: '@@@@' } }));
      session.socket.send(JSON.stringify({ event: 'media', streamSid, media: { payload: wav.toString('base64') } }));
      session.socket.send(JSON.stringify({ event: 'dtmf', streamSid, dtmf: { digit: 'x' } }));
    }
    sendMedia(session, FRAME_BYTES, AUDIO_BYTE);
  },

  /** Sends DTMF 7 after `start`. */
  dtmf: (session, event) => {
    if (Buffer.isBuffer(event.message) || event.message['event'] !== 'start') return;
    session.socket.send(JSON.stringify({ event: 'dtmf', streamSid: session.streamSid, dtmf: { track: 'outbound_track', digit: '7' } }));
  },
};

interface FakeAgent {
  url: string;
  port: number;
  sessions: Inbox<AgentSession>;
}

async function startFakeAgent(t: Test): Promise<FakeAgent> {
  const sessions = new Inbox<AgentSession>();
  const app = Fastify();
  await app.register(websocket);
  app.get('/agent', { websocket: true }, (socket) => {
    const session: AgentSession = { socket, inbox: new Inbox(), streamSid: '', params: {}, sentAt: new Map(), closedAt: undefined };
    socket.on('message', (data: Buffer, isBinary: boolean) => {
      const event: AgentEvent = { at: clock.now(), message: isBinary ? data : (JSON.parse(data.toString()) as Json) };
      if (!Buffer.isBuffer(event.message) && event.message['event'] === 'start') {
        session.streamSid = event.message['streamSid'];
        session.params = event.message['start']['customParameters'];
        sessions.push(session);
      }
      session.inbox.push(event);
      SCRIPTS[session.params['script'] ?? 'idle']?.(session, event);
    });
    socket.on('close', () => {
      session.closedAt = clock.now();
      session.inbox.push({ at: clock.now(), message: { event: 'socket_closed' } });
    });
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  t.teardown(() => app.close());
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return { url: `ws://127.0.0.1:${port}/agent`, port, sessions };
}

function agentSession(agent: FakeAgent, callId: string): Promise<AgentSession> {
  return agent.sessions.waitFor((session) => session.params['callId'] === callId, `agent stream of ${callId}`);
}

// ---------------------------------------------------------------------------
// Caller: a driver stand-in on the caller leg.

interface CallerEvent {
  at: number;
  frame?: AudioFrame;
  message?: Json;
}

class TestCaller {
  readonly inbox = new Inbox<CallerEvent>();
  private seq = 0;

  constructor(readonly link: Link) {
    link.onMessage((data) => {
      const at = clock.now();
      if (typeof data === 'string') this.inbox.push({ at, message: JSON.parse(data) as Json });
      else this.inbox.push({ at, frame: decodeFrame(data)! });
    });
    link.onClose(() => this.inbox.push({ at: clock.now(), message: { event: 'link_closed' } }));
  }

  dial(callId: string, number: string, parameters: Record<string, string> = {}): void {
    this.link.send(JSON.stringify({ event: 'dial', callId, number, parameters: { callId, ...parameters } }));
  }

  pressKey(digit: string): void {
    this.link.send(JSON.stringify({ event: 'dtmf', digit }));
  }

  sendFrame(flags = 0, fill = 0x10): void {
    this.link.send(encodeFrame({ seq: this.seq++, sentAt: clock.now(), flags, payload: Buffer.alloc(FRAME_BYTES, fill) }));
  }

  /** Sends `count` frames 20 ms apart, the last one flagged as the end of speech. */
  speak(count: number): Promise<void> {
    return new Promise((resolve) => {
      const schedule = new PeriodicSchedule(clock, clock.now(), FRAME_MS, (_due, index) => {
        const last = index === count - 1;
        this.sendFrame(last ? FLAG_SPEECH_END : 0, 0x20 + index);
        if (!last) return;
        schedule.stop();
        resolve();
      });
    });
  }

  waitForEvent(name: string): Promise<Json> {
    return this.inbox.waitFor((item) => item.message?.['event'] === name, `caller event ${name}`).then((item) => item.message!);
  }

  waitForMark(name: string): Promise<CallerEvent> {
    return this.inbox.waitFor((item) => item.message?.['event'] === 'mark' && item.message['name'] === name, `mark ${name}`);
  }

  waitForFrame(seq: number): Promise<CallerEvent> {
    return this.inbox.waitFor((item) => item.frame !== undefined && item.frame.seq >= seq, `frame ${seq}`);
  }

  frames(): AudioFrame[] {
    return this.inbox.items.flatMap((item) => (item.frame === undefined ? [] : [item.frame]));
  }

  async hangup(): Promise<CallDetailRecord> {
    this.link.send(JSON.stringify({ event: 'hangup' }));
    return (await this.waitForEvent('cdr'))['record'] as CallDetailRecord;
  }
}

interface Harness {
  agent: FakeAgent;
  server: SwitchServer;
  call(): Promise<TestCaller>;
}

interface BuildOptions {
  routes?: (agent: FakeAgent) => Record<string, string>;
  model?: SwitchModelOptions;
  logger?: Logger;
}

async function build(t: Test, options: BuildOptions = {}): Promise<Harness> {
  const { routes = (agent: FakeAgent) => ({ '+15550100': agent.url }), model = {}, logger = silentLogger() } = options;
  const agent = await startFakeAgent(t);
  const server = await startSwitchServer({ clock: clock as Clock, routes: routes(agent), logger, ...model });
  t.teardown(() => server.close());

  const call = async () => {
    const caller = new TestCaller(await dialWebSocket(server.url));
    t.teardown(() => caller.link.close());
    return caller;
  };
  return { agent, server, call };
}

function agentMessages(session: AgentSession): Json[] {
  return session.inbox.items.flatMap((event) => (Buffer.isBuffer(event.message) ? [] : [event.message]));
}

function isSilence(frame: AudioFrame): boolean {
  return frame.payload.every((byte) => byte === MULAW_SILENCE);
}

function hasAudio(frame: AudioFrame): boolean {
  return frame.payload.some((byte) => byte === AUDIO_BYTE || byte === SECOND_AUDIO_BYTE);
}

async function healthCalls(server: SwitchServer): Promise<number> {
  const response = await fetch(`http://127.0.0.1:${server.port}/health`);
  const body = (await response.json()) as Json;
  return body['activeCalls'];
}

// ---------------------------------------------------------------------------

t.test('agent leg opens with connected then start', async (t) => {
  const { agent, call } = await build(t);
  const caller = await call();

  caller.dial('order', '+15550100', { script: 'idle', scenario: 'greeting' });
  caller.sendFrame();
  await caller.waitForEvent('answered');
  const session = await agentSession(agent, 'order');
  for (let i = 0; i < 4; i++) caller.sendFrame(0, i);
  await session.inbox.waitFor((event) => inboundChunk(event) === 4, 'chunk 4');
  const record = await caller.hangup();
  await session.inbox.waitFor((event) => !Buffer.isBuffer(event.message) && event.message['event'] === 'socket_closed', 'agent socket close');

  const messages = agentMessages(session);
  const events = messages.map((message) => message['event']);
  t.same(events, ['connected', 'start', 'media', 'media', 'media', 'media', 'stop', 'socket_closed'], 'agent message order');
  t.same(messages[0], { event: 'connected', protocol: 'Call', version: '1.0.0' }, 'connected message');

  const start = messages[1]!;
  t.equal(start['sequenceNumber'], '1', 'start is sequence 1');
  t.match(start['streamSid'], SID.stream, 'streamSid format');
  t.equal(start['start']['streamSid'], start['streamSid'], 'start repeats streamSid');
  t.match(start['start']['callSid'], SID.call, 'callSid format');
  t.match(start['start']['accountSid'], SID.account, 'accountSid format');
  t.same(start['start']['tracks'], ['inbound'], 'inbound track only');
  t.same(start['start']['customParameters'], { callId: 'order', script: 'idle', scenario: 'greeting' }, 'customParameters passed through');
  t.same(start['start']['mediaFormat'], { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 }, 'media format');

  const media = messages.filter((message) => message['event'] === 'media');
  t.same(media.map((message) => message['sequenceNumber']), ['2', '3', '4', '5'], 'sequence numbers step by one');
  t.same(media.map((message) => message['media']['chunk']), ['1', '2', '3', '4'], 'chunks step by one from 1');
  t.ok(media.every((message) => typeof message['media']['timestamp'] === 'string'), 'timestamps are strings');
  t.ok(media.every((message) => message['media']['track'] === 'inbound'), 'media track is inbound');
  t.ok(media.every((message) => message['streamSid'] === start['streamSid']), 'media carries the streamSid');
  const timestamps = media.map((message) => Number(message['media']['timestamp']));
  t.ok(timestamps.every((value, i) => value >= 0 && (i === 0 || value >= timestamps[i - 1]!)), `timestamps ${timestamps} do not decrease`);
  t.same([...Buffer.from(media[2]!['media']['payload'], 'base64')], Array(FRAME_BYTES).fill(2), 'payload is the caller frame');

  const stop = messages[6]!;
  t.equal(stop['sequenceNumber'], '6', 'stop continues the sequence');
  t.same(stop['stop'], { accountSid: start['start']['accountSid'], callSid: start['start']['callSid'] }, 'stop names the call');

  t.equal(record.end_reason, 'caller_hangup', 'end reason');
  t.equal(record.call_sid, start['start']['callSid'], 'record callSid');
  t.equal(record.frames_from_caller, 5, 'frames from caller');
  t.equal(record.frames_dropped, 1, 'frame before answer dropped');
  t.equal(record.frames_to_agent, 4, 'frames to agent');
  t.ok(record.setup_ms !== null && record.setup_ms >= 0 && record.setup_ms < 1000, `setup_ms ${record.setup_ms} within 0..1000`);
  t.equal(record.frames_to_caller, caller.frames().length, 'every frame sent was received');
});

t.test('odd-size media plays as 20 ms frames', async (t) => {
  const { agent, call } = await build(t);
  const caller = await call();

  caller.dial('odd', '+15550100', { script: 'odd-sizes' });
  const session = await agentSession(agent, 'odd');
  const secondMark = await caller.waitForMark('second');
  const lastSeq = caller.frames().at(-1)!.seq;
  await caller.waitForFrame(lastSeq + 3);
  await session.inbox.waitFor((event) => !Buffer.isBuffer(event.message) && event.message['mark']?.['name'] === 'second', 'echo of second');
  const record = await caller.hangup();

  const frames = caller.frames();
  t.ok(frames.every((frame, i) => frame.seq === i), 'frame seq counts from 0 without gaps');
  const first = frames.findIndex(hasAudio);
  t.ok(first >= 1, `${first} silence frames before the audio`);
  t.ok(frames.slice(0, first).every(isSilence), 'frames before the audio are silence');

  const audio = frames.slice(first, first + 9);
  const played = Buffer.concat(audio.map((frame) => frame.payload));
  const expected = Buffer.concat([Buffer.alloc(1340, AUDIO_BYTE), Buffer.alloc(9 * FRAME_BYTES - 1340, MULAW_SILENCE)]);
  t.ok(played.equals(expected), 'first burst plays as 9 frames, the last padded with silence');

  const second = frames.findIndex((frame) => frame.payload.includes(SECOND_AUDIO_BYTE));
  t.ok(second > first + 9, 'silence frames between the bursts');
  t.ok(frames.slice(first + 9, second).every(isSilence), 'frames between the bursts are silence');
  const secondPlayed = Buffer.concat(frames.slice(second, second + 2).map((frame) => frame.payload));
  t.ok(secondPlayed.equals(Buffer.alloc(320, SECOND_AUDIO_BYTE)), 'second burst plays as 2 frames');
  t.ok(frames.length > second + 2, 'silence frames follow the audio');
  t.ok(frames.slice(second + 2).every(isSilence), 'frames after the audio are silence');

  // Headers carry each frame's grid slot, so they step by exactly 20 ms however late the timer ran.
  const offGrid = frames.map((frame) => Math.abs(frame.sentAt - frames[0]!.sentAt - frame.seq * FRAME_MS));
  const worst = Math.max(...offGrid);
  t.ok(worst < 1e-6, `frame headers on a 20 ms grid (worst ${worst} ms off)`);

  const items = caller.inbox.items;
  const indexOfFrame = (index: number) => items.findIndex((item) => item.frame?.seq === frames[index]!.seq);
  const firstMarkAt = items.findIndex((item) => item.message?.['name'] === 'first');
  t.ok(firstMarkAt > indexOfFrame(first + 8), 'mark first follows its last frame');
  t.ok(firstMarkAt < indexOfFrame(first + 9), 'mark first precedes the next frame');
  t.ok(items.indexOf(secondMark) > indexOfFrame(second + 1), 'mark second follows its last frame');
  t.ok(items.indexOf(secondMark) > firstMarkAt, 'marks reach the caller in order');

  const echoes = agentMessages(session).filter((message) => message['event'] === 'mark');
  t.same(echoes.map((message) => message['mark']['name']), ['first', 'second'], 'agent gets marks in order');
  t.ok(echoes.every((message) => message['streamSid'] === session.streamSid && /^\d+$/.test(message['sequenceNumber'])), 'echoes carry streamSid and sequenceNumber');
  const firstEcho = session.inbox.items.find((event) => !Buffer.isBuffer(event.message) && event.message['mark']?.['name'] === 'first')!;
  const echoDelay = firstEcho.at - session.sentAt.get('audio')!;
  t.ok(echoDelay >= 8 * FRAME_MS - FRAME_TOLERANCE_MS, `mark first echoed ${echoDelay.toFixed(1)} ms after sending, after 9 frames played`);

  t.equal(record.marks_received, 2, 'marks received');
  t.equal(record.marks_played, 2, 'marks played');
  t.equal(record.agent_media_messages, 4, 'agent media messages');
  t.equal(record.agent_media_bytes, 1660, 'agent media bytes');
  t.same(record.protocol_warnings, {}, 'no protocol warnings');
});

t.test('clear flushes audio and echoes marks', async (t) => {
  const { agent, call } = await build(t);
  const caller = await call();

  caller.dial('clear', '+15550100', { script: 'clear' });
  const session = await agentSession(agent, 'clear');
  await caller.inbox.waitFor((item) => item.frame !== undefined && hasAudio(item.frame) && item.frame.seq >= 3, 'three audio frames');
  caller.sendFrame();
  const mark = await caller.waitForMark('long');
  const markSeq = caller.frames().at(-1)!.seq;
  await caller.waitForFrame(markSeq + 3);
  const record = await caller.hangup();

  const frames = caller.frames();
  const audioFrames = frames.filter(hasAudio).length;
  t.ok(audioFrames < 50, `${audioFrames} of 50 audio frames played before the clear`);
  t.ok(frames.filter((frame) => frame.seq > markSeq).every(isSilence), 'silence after the clear');
  t.ok(mark.at - caller.inbox.items[0]!.at < 50 * FRAME_MS, 'mark echoed before the audio would have ended');
  const echoes = agentMessages(session).filter((message) => message['event'] === 'mark');
  t.same(echoes.map((message) => message['mark']['name']), ['long'], 'agent gets the pending mark');
  t.equal(record.marks_played, 1, 'marks played');
});

t.test('cdr holds turn latency breakdown', async (t) => {
  const { agent, call } = await build(t);
  const caller = await call();

  caller.dial('turn', '+15550100', { script: 'turn' });
  await caller.waitForEvent('answered');
  const session = await agentSession(agent, 'turn');
  await caller.speak(10);
  await caller.inbox.waitFor((item) => item.frame !== undefined && hasAudio(item.frame), 'answer audio');
  const record = await caller.hangup();

  t.equal(record.turns.length, 1, 'one turn');
  const turn = record.turns[0]!;
  const scriptedDelay = session.sentAt.get('answer')! - session.sentAt.get('heard')!;
  t.equal(turn.turn, 1, 'turn number');
  t.equal(turn.flagged_chunk, 10, 'flagged chunk');
  t.ok(turn.uplink_ms >= 0 && turn.uplink_ms < FRAME_MS, `uplink_ms ${turn.uplink_ms} under one frame`);
  t.ok(turn.agent_response_ms !== null && turn.agent_response_ms >= scriptedDelay, `agent_response_ms ${turn.agent_response_ms} covers the agent's ${scriptedDelay.toFixed(1)} ms`);
  t.ok(turn.agent_response_ms !== null && turn.agent_response_ms <= scriptedDelay + 30, `agent_response_ms ${turn.agent_response_ms} within 30 ms of the agent's delay`);
  t.ok(scriptedDelay >= AGENT_DELAY_MS - 2, `agent waited ${scriptedDelay.toFixed(1)} ms`);
  t.ok(turn.playout_wait_ms !== null && turn.playout_wait_ms >= 0 && turn.playout_wait_ms <= FRAME_MS + FRAME_TOLERANCE_MS, `playout_wait_ms ${turn.playout_wait_ms} within one frame`);
  t.equal(turn.downlink_ms, 0, 'downlink_ms is the modelled 0');
  t.equal(record.frames_to_agent, 10, 'frames to agent');
  t.equal(record.agent_media_messages, 1, 'agent media messages');
  t.equal(record.agent_media_bytes, 800, 'agent media bytes');
  t.equal(record.frames_to_caller, caller.frames().length, 'frames to caller');
  t.ok(record.setup_ms !== null && record.setup_ms >= 0, 'setup_ms recorded');
});

t.test('unknown number is rejected with 404', async (t) => {
  const { call } = await build(t);
  const caller = await call();

  caller.dial('nowhere', '+19990000');
  const rejected = await caller.waitForEvent('rejected');
  const cdr = await caller.waitForEvent('cdr');
  await caller.waitForEvent('link_closed');

  t.same(rejected, { event: 'rejected', callId: 'nowhere', reason: 'unknown_number', code: 404 }, 'rejected message');
  t.equal(cdr['record']['end_reason'], 'rejected', 'record end reason');
  t.equal(cdr['record']['agent_url'], null, 'no agent url');
});

t.test('unreachable agent is rejected with 502', async (t) => {
  const { call } = await build(t, { routes: (agent) => ({ '+15550199': `ws://127.0.0.1:${agent.port}/missing` }) });
  const caller = await call();

  caller.dial('down', '+15550199');
  const rejected = await caller.waitForEvent('rejected');

  t.equal(rejected['reason'], 'agent_unreachable', 'reason');
  t.equal(rejected['code'], 502, 'code');
});

t.test('agent close ends only its call', async (t) => {
  const { agent, server, call } = await build(t);
  const closing = await call();
  const staying = await call();

  closing.dial('closing', '+15550100', { script: 'close' });
  staying.dial('staying', '+15550100', { script: 'idle' });
  await staying.waitForEvent('answered');
  const stayingSession = await agentSession(agent, 'staying');
  const hangup = await closing.waitForEvent('hangup');
  const cdr = await closing.waitForEvent('cdr');
  await closing.waitForEvent('link_closed');

  t.same(hangup, { event: 'hangup', reason: 'agent_closed' }, 'caller told the agent closed');
  t.equal(cdr['record']['end_reason'], 'agent_closed', 'record end reason');
  t.equal(await healthCalls(server), 1, 'one call still active');

  const nextSeq = staying.frames().at(-1)!.seq + 5;
  await staying.waitForFrame(nextSeq);
  staying.sendFrame();
  await stayingSession.inbox.waitFor((event) => inboundChunk(event) === 1, 'frame of the remaining call');
  const record = await staying.hangup();

  t.equal(record.end_reason, 'caller_hangup', 'remaining call ends normally');
  t.equal(record.frames_to_agent, 1, 'remaining call forwarded its frame');
  t.equal(await healthCalls(server), 0, 'no calls active');
});

t.test('caller close stops the agent stream', async (t) => {
  const { agent, server, call } = await build(t);
  const caller = await call();

  caller.dial('gone', '+15550100');
  await caller.waitForEvent('answered');
  const session = await agentSession(agent, 'gone');
  caller.link.close();
  await session.inbox.waitFor((event) => !Buffer.isBuffer(event.message) && event.message['event'] === 'socket_closed', 'agent socket close');

  t.same(agentMessages(session).map((message) => message['event']).slice(-2), ['stop', 'socket_closed'], 'stop before close');
  t.equal(await healthCalls(server), 0, 'no calls active');
});

t.test('invalid agent messages are counted', async (t) => {
  const logged: Json[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logged.push(JSON.parse(chunk.toString()) as Json);
      done();
    },
  });
  const { call } = await build(t, { logger: pino({ level: 'warn' }, sink) });
  const caller = await call();

  caller.dial('garbage', '+15550100', { script: 'garbage' });
  await caller.inbox.waitFor((item) => item.frame !== undefined && hasAudio(item.frame), 'valid audio after garbage');
  const record = await caller.hangup();

  t.same(
    record.protocol_warnings,
    {
      binary_frame: 2,
      invalid_json: 2,
      unknown_event: 2,
      wrong_stream_sid: 2,
      mark_without_name: 2,
      invalid_base64: 2,
      wav_header_in_payload: 2,
      invalid_dtmf: 2,
    },
    'two warnings of each kind',
  );
  const warnings = logged.filter((line) => line['msg'] === 'protocol warning').map((line) => line['kind']);
  t.equal(warnings.length, 8, 'one log line per kind');
  t.equal(new Set(warnings).size, 8, 'each kind logged once');
  t.equal(record.agent_media_messages, 3, 'valid and WAV-headed media still played');
  t.equal(record.end_reason, 'caller_hangup', 'call went on');
});

t.test('caller dtmf reaches the agent', async (t) => {
  const { agent, call } = await build(t);
  const caller = await call();

  caller.dial('keys', '+15550100', { script: 'idle' });
  caller.pressKey('1');
  await caller.waitForEvent('answered');
  const session = await agentSession(agent, 'keys');
  caller.pressKey('#');
  const dtmf = await session.inbox.waitFor((event) => !Buffer.isBuffer(event.message) && event.message['event'] === 'dtmf', 'agent dtmf');
  const record = await caller.hangup();

  t.same(dtmf.message, { event: 'dtmf', streamSid: session.streamSid, sequenceNumber: '2', dtmf: { track: 'inbound_track', digit: '#' } }, 'Twilio dtmf event');
  const events = agentMessages(session).map((message) => message['event']);
  t.same(events.slice(0, 2), ['connected', 'start'], 'nothing before start');
  t.equal(events.filter((event) => event === 'dtmf').length, 1, 'key pressed before the answer is not sent');
  t.equal(record.protocol_warnings['caller_dtmf_before_answer'], 1, 'early key counted');
  t.equal(record.dtmf_from_caller, 1, 'record counts the digit');
});

t.test('agent dtmf reaches the caller', async (t) => {
  const { call } = await build(t);
  const caller = await call();

  caller.dial('tones', '+15550100', { script: 'dtmf' });
  const dtmf = await caller.waitForEvent('dtmf');
  const record = await caller.hangup();

  t.same(dtmf, { event: 'dtmf', digit: '7' }, 'caller dtmf message');
  t.equal(record.dtmf_from_agent, 1, 'record counts the digit');
});

t.test('cps limit rejects a burst with 503', async (t) => {
  const { call } = await build(t, { model: { callsPerSecond: 2, cpsBurst: 1 } });
  const callers = await Promise.all(Array.from({ length: 5 }, () => call()));

  callers.forEach((caller, i) => caller.dial(`burst-${i}`, '+15550100'));
  const outcomes = await Promise.all(
    callers.map((caller) => caller.inbox.waitFor((item) => item.message?.['event'] === 'answered' || item.message?.['event'] === 'rejected', 'answer or rejection')),
  );

  const rejected = outcomes.filter((item) => item.message!['event'] === 'rejected').map((item) => item.message!);
  t.equal(outcomes.length - rejected.length, 1, 'one call answered');
  t.equal(rejected.length, 4, 'four calls rejected');
  t.ok(rejected.every((message) => message['reason'] === 'rejected_cps'), 'reason rejected_cps');
  t.ok(rejected.every((message) => message['code'] === 503), 'code 503');
});

t.test('busy channel rejects with 486', async (t) => {
  const { call } = await build(t, { model: { maxChannels: 1 } });
  const first = await call();
  const second = await call();

  first.dial('first', '+15550100');
  await first.waitForEvent('answered');
  second.dial('second', '+15550100');
  const rejected = await second.waitForEvent('rejected');

  t.same(rejected, { event: 'rejected', callId: 'second', reason: 'rejected_busy', code: 486 }, 'rejected message');
});

t.test('queued call is answered when a channel frees', async (t) => {
  const { call } = await build(t, { model: { maxChannels: 1, admissionQueueMs: WAIT_TIMEOUT_MS } });
  const first = await call();
  const second = await call();

  first.dial('first', '+15550100');
  await first.waitForEvent('answered');
  second.dial('second', '+15550100');
  await first.waitForFrame(2);
  t.equal(second.inbox.items.length, 0, 'second call waits while the first holds the channel');
  await first.hangup();
  await second.waitForEvent('answered');
  const record = await second.hangup();

  t.ok(record.admission_wait_ms !== null && record.admission_wait_ms > 0, `admission wait ${record.admission_wait_ms} ms recorded`);
  t.ok(record.setup_ms !== null && record.setup_ms >= record.admission_wait_ms!, 'setup time includes the wait');
});

t.test('metrics report a rejection', async (t) => {
  const { server, call } = await build(t, { model: { maxChannels: 1 } });
  const first = await call();
  const second = await call();

  first.dial('first', '+15550100');
  first.sendFrame();
  await first.waitForEvent('answered');
  await first.waitForFrame(1);
  second.dial('second', '+15550100');
  await second.waitForEvent('rejected');
  const response = await fetch(`http://127.0.0.1:${server.port}/metrics`);
  const text = await response.text();

  t.match(response.headers.get('content-type'), /^text\/plain; version=0\.0\.4/, 'Prometheus content type');
  t.match(text, /^voice_load_switch_rejections_total\{reason="rejected_busy"\} 1$/m, 'rejection by reason');
  t.match(text, /^voice_load_switch_calls_total\{outcome="rejected"\} 1$/m, 'rejected call counted by outcome');
  t.match(text, /^voice_load_switch_channels_in_use 1$/m, 'channel in use');
  t.match(text, /^voice_load_switch_frames_forwarded_total\{direction="downlink"\} \d+$/m, 'downlink frames counted');
  t.match(text, /^voice_load_switch_frames_dropped_total\{direction="uplink",cause="not_answered"\} 1$/m, 'frame before the answer dropped');
});

t.test('routes lists numbers and agent URLs', async (t) => {
  const { agent, server } = await build(t);

  const response = await fetch(`http://127.0.0.1:${server.port}/routes`);

  t.same(await response.json(), { '+15550100': agent.url }, 'route table');
});

t.test('seeded ids repeat per call', async (t) => {
  const first = createIdGenerator(7)('call-1');
  const again = createIdGenerator(7)('call-1');
  const other = createIdGenerator(7)('call-2');

  t.same(again, first, 'same seed and call id give the same ids');
  t.not(other.callSid, first.callSid, 'another call id gives another callSid');
  t.equal(other.accountSid, first.accountSid, 'one accountSid per seed');
  t.match(first.callSid, SID.call, 'callSid format');
  t.match(first.streamSid, SID.stream, 'streamSid format');
  t.match(first.accountSid, SID.account, 'accountSid format');
});
