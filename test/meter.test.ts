import t from 'tap';

import { ConversationMeter, type MeterOptions } from '../driver/index.js';

const OPTIONS: MeterOptions = { onsetFrames: 3, agentEndSilenceMs: 800, turnTimeoutMs: 3000, greetingTimeoutMs: 2000, expectGreeting: true };

/** Feeds `count` frames 20 ms apart from `startMs`; returns the time after the last one. */
function feed(meter: ConversationMeter, startMs: number, count: number, voiced: boolean): number {
  for (let i = 0; i < count; i++) meter.frame(startMs + i * 20, voiced, voiced);
  return startMs + count * 20;
}

/** Answered at 0, a 1 s greeting from 100 ms, then silence until the caller may speak. */
function greeted(options: Partial<MeterOptions> = {}): { meter: ConversationMeter; now: number } {
  const meter = new ConversationMeter({ ...OPTIONS, ...options }, 0);
  let now = feed(meter, 0, 5, false);
  now = feed(meter, now, 50, true);
  now = feed(meter, now, 45, false);
  return { meter, now };
}

t.test('greeting onset is back-dated to the first voiced frame', async (t) => {
  const { meter } = greeted();
  t.equal(meter.greetingOnsetAt, 100, 'onset at the first of three voiced frames');
  t.equal(meter.timeToGreetingMs, 100);
});

t.test('greeting ends agentEndSilenceMs after its last voiced frame', async (t) => {
  const { meter } = greeted();
  t.equal(meter.phase, 'ready');
  t.equal(meter.readyAt, 1080 + 800, 'last voiced frame at 1080 ms');
});

t.test('two voiced frames are not an onset', async (t) => {
  const meter = new ConversationMeter(OPTIONS, 0);
  let now = feed(meter, 0, 2, true);
  now = feed(meter, now, 10, false);
  t.equal(meter.greetingOnsetAt, null);
  t.equal(meter.phase, 'awaiting_greeting');
});

t.test('no greeting within its timeout fails the call', async (t) => {
  const meter = new ConversationMeter(OPTIONS, 0);
  feed(meter, 0, 101, false);
  t.equal(meter.phase, 'failed');
  t.equal(meter.failure, 'no_greeting');
});

t.test('latency runs from end of speech to onset', async (t) => {
  const { meter, now } = greeted();
  const turn = meter.startTurn(now, 1500);
  let clock = feed(meter, now, 75 + 40, false);
  clock = feed(meter, clock, 30, true);
  t.equal(turn.endOfSpeechAt, now + 1500);
  t.equal(turn.onsetAt, now + 115 * 20);
  t.equal(turn.latencyMs, now + 115 * 20 - (now + 1500), 'onset minus end of speech');
  t.equal(turn.talkOver, false);
  feed(meter, clock, 41, false);
  t.equal(turn.answerEndAt, clock - 20 + 800, 'answer ends 800 ms after the last voiced frame');
  t.equal(meter.phase, 'ready');
});

t.test('onset before end of speech is a talk-over', async (t) => {
  const { meter, now } = greeted();
  const turn = meter.startTurn(now, 1500);
  let clock = feed(meter, now, 50, false);
  clock = feed(meter, clock, 30, true);
  t.equal(turn.talkOver, true);
  t.equal(turn.talkOverOffsetMs, 1000 - 1500, 'onset 500 ms before the end of speech');
  t.equal(turn.latencyMs, null, 'talk-over has no latency');
  feed(meter, clock, 41, false);
  t.equal(meter.phase, 'ready');
});

t.test('no onset within turnTimeoutMs times the turn out', async (t) => {
  const { meter, now } = greeted();
  const turn = meter.startTurn(now, 1000);
  feed(meter, now, 201, false);
  t.equal(turn.timedOut, true);
  t.equal(turn.latencyMs, null);
  t.equal(meter.phase, 'ready');
  t.equal(meter.readyAt, now + 1000 + 3000, 'caller moves on at the timeout');
});

t.test('onset after the timeout is a late answer', async (t) => {
  const { meter, now } = greeted();
  const first = meter.startTurn(now, 1000);
  let clock = feed(meter, now, 210, false);
  t.equal(first.timedOut, true);
  const second = meter.startTurn(clock, 1000);
  clock = feed(meter, clock, 10, false);
  const lateOnset = clock;
  clock = feed(meter, clock, 20, true);
  t.equal(first.lateAnswerMs, lateOnset - first.endOfSpeechAt, 'late answer measured from the first turn');
  t.equal(second.talkOver, false, 'a late answer is not a talk-over of the next turn');
  t.equal(second.onsetAt, null);
  feed(meter, clock, 45, false);
});

t.test('voiced burst after the answer ended is a fragment', async (t) => {
  const { meter, now } = greeted();
  const turn = meter.startTurn(now, 1000);
  let clock = feed(meter, now, 60, false);
  clock = feed(meter, clock, 20, true);
  clock = feed(meter, clock, 41, false);
  t.equal(meter.phase, 'ready');
  clock = feed(meter, clock, 5, true);
  t.equal(turn.fragments, 1);
});

t.test('first audio counts any sound, voiced or not', async (t) => {
  const { meter, now } = greeted();
  const turn = meter.startTurn(now, 1000);
  let clock = feed(meter, now, 60, false);
  meter.frame(clock, false, true);
  clock += 20;
  feed(meter, clock, 5, true);
  t.equal(turn.firstAudioAt, clock - 20);
  t.equal(turn.onsetAt, clock);
});

t.test('without a greeting the caller may speak at once', async (t) => {
  const meter = new ConversationMeter({ ...OPTIONS, expectGreeting: false }, 50);
  t.equal(meter.phase, 'ready');
  t.equal(meter.readyAt, 50);
});
