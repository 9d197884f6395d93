import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';

import t, { type Test } from 'tap';
import { parse } from 'yaml';

import { createAudioLibrary, framesOf, loadPreparedAudio, loadVad, MULAW_SILENCE, type AudioLibrary } from '../audio/index.js';
import { dialWebSocket, FRAME_BYTES, FRAME_MS, PeriodicSchedule, RealClock, silentLogger, type Clock, type Link } from '../core/index.js';
import {
  answerMarkName,
  answerText,
  createMockAgent,
  GREETING,
  MOCK_DEFAULTS,
  REPLIES,
  resolveMockConfig,
  sampleLatencyMs,
  startMockAgentServer,
  type CallEndRecord,
  type MockConfigOverrides,
  type TurnRecord,
} from '../mock-agent/index.js';
import { splitBurst } from '../mock-agent/outbound.js';
import { createCallRandom } from '../mock-agent/random.js';
import { TurnDetector } from '../mock-agent/turn-detector.js';


interface SupportRow {
  input: string;
  result: string;
  followUps: string[];
}

/** Stage latencies without spread: stt + llm + tts = 620 ms on every turn. */
const FIXED_STAGES: MockConfigOverrides = {
  stages: { stt: { sigma: 0 }, llm: { sigma: 0 }, tts: { sigma: 0 } },
};
const FIXED_THINK_MS = 150 + 350 + 120;

/** Allowed lateness of a real timer or a localhost message, in ms. */
const TIMER_TOLERANCE_MS = 15;
/**
 * How early a Node timer may fire against `RealClock.now()`, in ms, because libuv
 * counts timers in whole ms from the start of its loop iteration.
 */
const TIMER_EARLY_MS = 1;

/** Caller silence after the greeting ends, before the caller speaks. */
const CALLER_GAP_MS = 400;
/** Caller silence sent after the utterance, enough for endpointing, thinking and the answer burst. */
const TRAILING_SILENCE_MS = 3000;
/**
 * Caller silence between two utterances: endpointing (500 ms), the slowest
 * think time three sigmas out (about 1500 ms) and the longest answer clip
 * (about 4600 ms), with room to spare.
 */
const BETWEEN_TURNS_SILENCE_MS = 7500;

const supportRow = (async () => {
  const scenario = parse(await readFile(new URL('../scenarios/support.yaml', import.meta.url), 'utf8')) as { rows: SupportRow[] };
  return scenario.rows[0]!;
})();

interface Received {
  at: number;
  message: { event: string; streamSid?: string; media?: { payload: string }; mark?: { name: string } };
}

/** Records what the caller side of a link receives, with arrival times, and waits for a message. */
class Inbox {
  readonly received: Received[] = [];
  closeCode: number | undefined;
  private waiters: Array<() => void> = [];

  constructor(
    link: Link,
    private readonly clock: Clock,
  ) {
    link.onMessage((wire) => {
      this.received.push({ at: clock.now(), message: JSON.parse(String(wire)) as Received['message'] });
      this.wake();
    });
    link.onClose((code) => {
      this.closeCode = code;
      this.wake();
    });
  }

  /** Resolves once `condition` holds, or rejects after `timeoutMs` with `description` in the message. */
  waitUntil(condition: () => boolean, timeoutMs: number, description: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = this.clock.setTimer(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${description}`)), timeoutMs);
      const check = () => {
        if (!condition()) return;
        this.clock.clearTimer(timer);
        this.waiters = this.waiters.filter((waiter) => waiter !== check);
        resolve();
      };
      this.waiters.push(check);
      check();
    });
  }

  indexOfMark(name: string): number {
    return this.received.findIndex((entry) => entry.message.event === 'mark' && entry.message.mark?.name === name);
  }

  private wake(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}

/** Resolves with `promise`, or rejects after `timeoutMs` with `description` in the message. */
function within<T>(clock: Clock, promise: Promise<T>, timeoutMs: number, description: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = clock.setTimer(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${description}`)), timeoutMs);
    promise.then(
      (value) => {
        clock.clearTimer(timer);
        resolve(value);
      },
      (err: unknown) => {
        clock.clearTimer(timer);
        reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}

let audioLibrary: Promise<AudioLibrary> | undefined;

async function build(t: Test, config: MockConfigOverrides = {}) {
  const clock = new RealClock();
  audioLibrary ??= loadPreparedAudio();
  const audio = await audioLibrary;
  const turns: TurnRecord[] = [];
  let resolveCallEnd: (record: CallEndRecord) => void = () => undefined;
  const firstCallEnd = new Promise<CallEndRecord>((resolve) => (resolveCallEnd = resolve));

  const server = await startMockAgentServer({
    clock,
    audio,
    vad: await loadVad(),
    config,
    seed: 'mock-agent-test',
    logger: silentLogger(),
    onTurn: (record) => turns.push(record),
    onCallEnd: (record) => resolveCallEnd(record),
  });
  t.teardown(() => server.close());

  const callEnded = () => within(clock, firstCallEnd, 2000, 'the call to end');
  return { clock, audio, server, turns, callEnded };
}

function startMessage(streamSid: string, callSid: string, customParameters: Record<string, string>): string {
  return JSON.stringify({
    event: 'start',
    sequenceNumber: '1',
    streamSid,
    start: {
      accountSid: 'AC0',
      streamSid,
      callSid,
      tracks: ['inbound'],
      customParameters,
      mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 },
    },
  });
}

function mediaMessage(streamSid: string, index: number, frame: Uint8Array): string {
  return JSON.stringify({
    event: 'media',
    sequenceNumber: String(index + 2),
    streamSid,
    media: { track: 'inbound', chunk: String(index + 1), timestamp: String(index * FRAME_MS), payload: Buffer.from(frame).toString('base64') },
  });
}

/** Sends `frames` on a 20 ms grid as a switch does, starting at `startMs`, and stops after the last one. */
function playFrames(link: Link, clock: Clock, streamSid: string, frames: Uint8Array[], startMs: number): PeriodicSchedule {
  const schedule: PeriodicSchedule = new PeriodicSchedule(clock, startMs, FRAME_MS, (_, index) => {
    const frame = frames[index];
    if (frame === undefined) return schedule.stop();
    link.send(mediaMessage(streamSid, index, frame));
  });
  return schedule;
}

function silenceFrames(durationMs: number): Uint8Array[] {
  const count = Math.ceil(durationMs / FRAME_MS);
  return Array.from({ length: count }, () => new Uint8Array(FRAME_BYTES).fill(MULAW_SILENCE));
}

function payloadBytes(entry: Received): number {
  return Buffer.from(entry.message.media?.payload ?? '', 'base64').length;
}

function sha256Prefix(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex').slice(0, 12);
}

t.test('one call greets then answers the caller', async (t) => {
  const { clock, audio, server, turns, callEnded } = await build(t, FIXED_STAGES);
  const row = await supportRow;
  const greeting = audio.get('agent', GREETING);
  const result = audio.get('agent', row.result);
  const utterance = audio.get('caller', row.input);

  const link = await dialWebSocket(server.url);
  t.teardown(() => link.close());
  const inbox = new Inbox(link, clock);

  const leadFrames = silenceFrames(greeting.durationMs + CALLER_GAP_MS);
  const frames = [...leadFrames, ...framesOf(utterance.mulaw), ...silenceFrames(TRAILING_SILENCE_MS)];
  link.send(JSON.stringify({ event: 'connected', protocol: 'Call', version: '1.0.0' }));
  link.send(startMessage('MZ1', 'CA1', { result: row.result }));
  const startMs = clock.now();
  const schedule = playFrames(link, clock, 'MZ1', frames, startMs);
  t.teardown(() => schedule.stop());

  const answerMark = `answer:${sha256Prefix(row.result)}`;
  await inbox.waitUntil(() => inbox.indexOfMark(answerMark) >= 0, frames.length * FRAME_MS + 2000, `mark ${answerMark}`);
  const speechEndAt = startMs + leadFrames.length * FRAME_MS + utterance.speechEndMs;

  const received = inbox.received;
  const greetingMark = inbox.indexOfMark('greeting');
  const answerMarkIndex = inbox.indexOfMark(answerMark);
  t.equal(received[0]?.message.event, 'media', 'first message is media');
  t.ok(greetingMark > 0, 'greeting mark arrives after media');
  t.ok(received.slice(0, greetingMark).every((entry) => entry.message.event === 'media'), 'only media precedes the greeting mark');
  t.equal(received.slice(0, greetingMark).reduce((sum, entry) => sum + payloadBytes(entry), 0), greeting.mulaw.length, 'greeting media holds the whole greeting clip');

  const answer = received.slice(greetingMark + 1, answerMarkIndex);
  t.ok(answer.length > 0, 'answer media arrives between the marks');
  t.ok(answer.every((entry) => entry.message.event === 'media'), 'only media precedes the answer mark');
  t.ok(answer[0]!.at > speechEndAt, 'answer starts after the caller speech ends');
  t.ok(answer.every((entry) => entry.message.streamSid === 'MZ1'), 'answer media carries the streamSid');
  t.ok(answer.reduce((sum, entry) => sum + payloadBytes(entry), 0) >= result.mulaw.length, 'answer payload covers the result clip');
  t.ok(answer.some((entry) => payloadBytes(entry) % FRAME_BYTES !== 0), 'some chunk sizes are not multiples of 160');
  t.equal(answerMarkIndex, received.length - 1, 'answer mark follows the last answer media');

  t.equal(turns.length, 1, 'one turn recorded');
  const turn = turns[0]!;
  const thinkMs = turn.stageMs.stt + turn.stageMs.llm + turn.stageMs.tts;
  const endpointingMs = turn.endpointedAt - turn.endpointStartedAt;
  const arrivalAfterThinkMs = answer[0]!.at - turn.endpointedAt - thinkMs;
  t.comment(`endpointing ${endpointingMs.toFixed(1)} ms, think ${thinkMs.toFixed(1)} ms, first answer media ${arrivalAfterThinkMs.toFixed(1)} ms after think`);
  t.comment(`speech end to endpointing start ${(turn.endpointStartedAt - speechEndAt).toFixed(1)} ms, last voiced chunk ${turn.lastVoicedChunk}`);

  t.equal(turn.turn, 1, 'turn numbers start at 1');
  t.equal(turn.callSid, 'CA1', 'turn carries the callSid');
  t.equal(turn.answerText, row.result, 'first answer is the expected result');
  t.equal(turn.markName, answerMark, 'turn names the answer mark');
  t.ok(endpointingMs > MOCK_DEFAULTS.endpointingMs - TIMER_EARLY_MS, 'endpointing lasts endpointingMs');
  t.ok(endpointingMs < MOCK_DEFAULTS.endpointingMs + TIMER_TOLERANCE_MS, 'endpointing ends within tolerance');
  t.ok(thinkMs > FIXED_THINK_MS - 3 * TIMER_EARLY_MS, 'think time lasts stt + llm + tts');
  t.ok(thinkMs < FIXED_THINK_MS + TIMER_TOLERANCE_MS, 'think time ends within tolerance');
  t.ok(arrivalAfterThinkMs >= 0, 'answer arrives after thinking');
  t.ok(arrivalAfterThinkMs < TIMER_TOLERANCE_MS, 'answer arrives soon after thinking');
  t.ok(turn.answerSentAt <= answer[0]!.at, 'answer is sent before it arrives');

  const speechEndChunk = leadFrames.length + utterance.speechEndMs / FRAME_MS;
  t.ok(Math.abs(turn.lastVoicedChunk! - speechEndChunk) <= 5, `last voiced chunk ${turn.lastVoicedChunk} is within 5 frames of the speech end chunk ${speechEndChunk}`);

  link.send(JSON.stringify({ event: 'stop', sequenceNumber: String(frames.length + 2), streamSid: 'MZ1', stop: { accountSid: 'AC0', callSid: 'CA1' } }));
  const end = await callEnded();
  t.equal(end.reason, 'stop', 'stop ends the stream');
  t.equal(end.turns, 1, 'end record counts the answered turn');
  t.same(end.invalidMessages, {}, 'no message was invalid');
  t.equal(server.agent.activeCalls, 0, 'no call stays active');
});

t.test('second turn answers with a reply', async (t) => {
  const { clock, audio, server, turns } = await build(t);
  const row = await supportRow;
  const greeting = audio.get('agent', GREETING);
  const first = audio.get('caller', row.input);
  const second = audio.get('caller', row.followUps[0]!);

  const link = await dialWebSocket(server.url);
  t.teardown(() => link.close());
  const inbox = new Inbox(link, clock);

  const framesBeforeSecond = [...silenceFrames(greeting.durationMs + CALLER_GAP_MS), ...framesOf(first.mulaw), ...silenceFrames(BETWEEN_TURNS_SILENCE_MS)];
  const frames = [...framesBeforeSecond, ...framesOf(second.mulaw), ...silenceFrames(TRAILING_SILENCE_MS)];
  link.send(startMessage('MZ5', 'CA5', { result: row.result }));
  const startMs = clock.now();
  const schedule = playFrames(link, clock, 'MZ5', frames, startMs);
  t.teardown(() => schedule.stop());

  const replyMark = `answer:${sha256Prefix(REPLIES[0]!)}`;
  await inbox.waitUntil(() => inbox.indexOfMark(replyMark) >= 0, frames.length * FRAME_MS + 2000, `mark ${replyMark}`);
  const secondSpeechEndAt = startMs + framesBeforeSecond.length * FRAME_MS + second.speechEndMs;

  t.equal(turns.length, 2, 'two turns recorded');
  t.equal(turns[1]?.turn, 2, 'second turn is numbered 2');
  t.equal(turns[1]?.answerText, REPLIES[0], 'second answer is the first reply');
  t.ok(inbox.indexOfMark(replyMark) > inbox.indexOfMark(`answer:${sha256Prefix(row.result)}`), 'reply mark follows the result mark');
  t.ok(turns[1]!.endpointStartedAt > secondSpeechEndAt, 'second endpointing starts after the follow-up ends');
  for (const turn of turns) t.comment(`turn ${turn.turn}: stt ${turn.stageMs.stt.toFixed(1)} ms, llm ${turn.stageMs.llm.toFixed(1)} ms, tts ${turn.stageMs.tts.toFixed(1)} ms`);
});

t.test('health reports active calls', async (t) => {
  const { clock, server } = await build(t);

  const before = (await (await fetch(`http://127.0.0.1:${server.port}/health`)).json()) as unknown;
  t.same(before, { status: 'ok', activeCalls: 0 }, 'no calls before a stream');

  const link = await dialWebSocket(server.url);
  t.teardown(() => link.close());
  const inbox = new Inbox(link, clock);
  link.send(startMessage('MZ2', 'CA2', {}));
  await inbox.waitUntil(() => inbox.indexOfMark('greeting') >= 0, 2000, 'the greeting mark');

  const during = (await (await fetch(`http://127.0.0.1:${server.port}/health`)).json()) as unknown;
  t.same(during, { status: 'ok', activeCalls: 1 }, 'one call during a stream');
});

t.test('invalid messages are counted, not fatal', async (t) => {
  const { clock, server, callEnded } = await build(t);

  const link = await dialWebSocket(server.url);
  const inbox = new Inbox(link, clock);
  link.send(Buffer.from([1, 2, 3]));
  link.send('{not json');
  link.send(JSON.stringify({ event: 'surprise' }));
  link.send(mediaMessage('MZ3', 0, new Uint8Array(FRAME_BYTES)));
  link.send(startMessage('MZ3', 'CA3', {}));
  link.send(mediaMessage('MZ-other', 1, new Uint8Array(FRAME_BYTES)));
  await inbox.waitUntil(() => inbox.indexOfMark('greeting') >= 0, 2000, 'the greeting mark');

  link.close();
  const end = await callEnded();
  t.equal(end.reason, 'link_closed', 'closing the link ends the stream');
  t.same(
    end.invalidMessages,
    { binary_message: 1, invalid_json: 1, unknown_event: 1, message_before_start: 1, wrong_stream_sid: 1 },
    'each invalid message is counted by reason',
  );
  t.equal(server.agent.activeCalls, 0, 'no call stays active');
});

t.test('result without audio closes the stream', async (t) => {
  const { clock, server, callEnded } = await build(t);

  const link = await dialWebSocket(server.url);
  const inbox = new Inbox(link, clock);
  link.send(startMessage('MZ4', 'CA4', { result: 'A sentence nobody prepared audio for.' }));
  await inbox.waitUntil(() => inbox.closeCode !== undefined, 2000, 'the link to close');

  t.equal(inbox.closeCode, 1011, 'closed with an internal error code');
  t.equal(inbox.received.length, 0, 'nothing was sent');
  t.equal((await callEnded()).reason, 'error', 'end record gives the error');
  t.equal(server.agent.activeCalls, 0, 'no call stays active');
});

t.test('agent requires audio for its phrases', async (t) => {
  const vad = await loadVad();
  const create = () => createMockAgent({ clock: new RealClock(), audio: createAudioLibrary([]), vad, seed: 1, logger: silentLogger() });
  t.throws(create, { code: 'VL_MOCK_AUDIO_MISSING' });
});

t.test('config merges overrides onto defaults', async (t) => {
  const overrides: MockConfigOverrides = { endpointingMs: 300, stages: { llm: { medianMs: 900 } } };
  const config = resolveMockConfig(overrides);

  t.equal(config.endpointingMs, 300, 'override wins');
  t.equal(config.stages.llm.medianMs, 900, 'nested override wins');
  t.equal(config.stages.llm.sigma, MOCK_DEFAULTS.stages.llm.sigma, 'unset nested field keeps its default');
  t.same(config.stages.stt, MOCK_DEFAULTS.stages.stt, 'unset stage keeps its default');
  t.same(overrides, { endpointingMs: 300, stages: { llm: { medianMs: 900 } } }, 'overrides are not changed');
  t.ok(Object.isFrozen(config.stages.llm), 'result is frozen');
  t.ok(Object.isFrozen(MOCK_DEFAULTS.stages.tts), 'defaults are frozen');
});

t.test('config rejects invalid options', async (t) => {
  const cases: Array<[string, unknown]> = [
    ['negative endpointing', { endpointingMs: -1 }],
    ['zero speech frames', { speechFramesToStart: 0 }],
    ['zero median', { stages: { stt: { medianMs: 0 } } }],
    ['negative sigma', { stages: { tts: { sigma: -0.1 } } }],
    ['unknown stage', { stages: { asr: { medianMs: 100 } } }],
    ['unknown key', { endpointing: 500 }],
    ['unknown pacing', { sendPacing: 'drip' }],
    ['min above max chunk', { minChunkBytes: 900, maxChunkBytes: 800 }],
  ];
  for (const [name, overrides] of cases) {
    t.throws(() => resolveMockConfig(overrides as MockConfigOverrides), { code: 'VL_MOCK_OPTION_INVALID' }, name);
  }
});

t.test('latency samples follow the model', async (t) => {
  const fixed = createCallRandom('seed', 'CA1');
  t.equal(sampleLatencyMs({ medianMs: 120, sigma: 0 }, fixed), 120, 'sigma 0 gives the median');

  const first = createCallRandom('seed', 'CA1');
  const second = createCallRandom('seed', 'CA1');
  const model = { medianMs: 350, sigma: 0.3 };
  t.equal(sampleLatencyMs(model, first), sampleLatencyMs(model, second), 'same seed and callSid draw the same');

  const random = createCallRandom('seed', 'CA2');
  const samples = Array.from({ length: 2001 }, () => sampleLatencyMs(model, random)).sort((a, b) => a - b);
  const median = samples[1000]!;
  t.ok(Math.abs(median - 350) < 350 * 0.05, `sample median ${median.toFixed(1)} is within 5% of 350`);
});

t.test('answers start with the result', async (t) => {
  t.equal(answerText(1, 'Your balance is ten dollars.'), 'Your balance is ten dollars.', 'first answer is the result');
  t.equal(answerText(2, 'Your balance is ten dollars.'), REPLIES[0], 'second answer is the first reply');
  t.equal(answerText(1 + REPLIES.length + 1, 'Your balance is ten dollars.'), REPLIES[0], 'replies wrap around');
  t.equal(answerText(1, undefined), REPLIES[0], 'without a result the first reply comes first');
  t.equal(answerMarkName('hello'), `answer:${sha256Prefix('hello')}`, 'mark holds the sha-256 prefix');
});

t.test('burst chunks cover the audio', async (t) => {
  const audio = Uint8Array.from({ length: 16_000 }, (_, i) => i % 256);
  const chunks = splitBurst(audio, createCallRandom('seed', 'CA1'), { minChunkBytes: 400, maxChunkBytes: 1200 });

  t.ok(chunks.slice(0, -1).every((chunk) => chunk.length >= 400 && chunk.length <= 1200), 'chunk sizes stay in range');
  t.ok(chunks.at(-1)!.length <= 1200, 'last chunk is no larger than the maximum');
  t.same(Buffer.concat(chunks), Buffer.from(audio), 'chunks concatenate to the audio');
});

t.test('turn detector follows speech and pauses', async (t) => {
  const detector = new TurnDetector(3);
  const signals = [true, true, false, true, true, true, true, false, false, true, false].map((voiced) => detector.push(voiced));
  t.same(signals, ['none', 'none', 'none', 'none', 'none', 'speech_started', 'none', 'paused', 'none', 'resumed', 'paused']);

  detector.reset();
  t.equal(detector.push(false), 'none', 'silence after reset is not a pause');
});
