import { createHash } from 'node:crypto';

import {
  decodeFrame,
  encodeFrame,
  FLAG_SPEECH_END,
  FRAME_BYTES,
  FRAME_MS,
  PeriodicSchedule,
  type CallDetailRecord,
  type Clock,
  type Link,
  type SwitchToCaller,
  type TimerHandle,
  type WireMessage,
} from '../core/index.js';
import { decodeMulaw, levelDbfs, MULAW_SILENCE, type Vad } from '../audio/index.js';
import { analyzeLoops } from './bursts.js';
import type { CallRecorder, RecordingStore } from './recorder.js';
import { ConversationMeter, type TurnMeasurement } from './meter.js';
import type { CallRecord, TurnRecord } from './record.js';
import type { Scenario } from './scenario.js';

/** Prepared speech for one caller utterance. */
export interface Utterance {
  text: string;
  mulaw: Uint8Array;
  speechEndMs: number;
}

/** Everything decided about one call before it is dialled. */
export interface CallPlan {
  callId: string;
  row: number;
  repeat: number;
  expectedResult: string;
  utterances: Utterance[];
  /** Pause before each utterance, after the answer or greeting ended. */
  callerGapsMs: number[];
  /** Offset of this call's 20 ms frame grid, 0 to 20 ms. */
  framePhaseMs: number;
}

export interface CallContext {
  clock: Clock;
  /** Opens the caller leg to the switch. */
  connect: () => Promise<Link>;
  vad: Vad;
  scenario: Scenario;
  /** True when the agent is known to mark its answers (the built-in mock). */
  contentKnown: boolean;
  runStartedAt: number;
  /** Longest a call may last before the driver hangs up. */
  maxCallMs: number;
  /** How long to wait for the switch's record after hanging up. */
  cdrTimeoutMs: number;
  /** Receives the call's generator measurements when it ends. */
  generator?: GeneratorSink;
  /** Calls in progress in the run right now, recorded at the start of each turn. */
  activeCalls?: () => number;
  /** Receives each call's audio when the run records calls. */
  recordings?: RecordingStore;
}

/** Collects the load generator's own timing across calls. */
export interface GeneratorSink {
  /** Actual minus scheduled send time of one caller frame, ms. */
  sendLag(lagMs: number): void;
  /** Arrival minus header send time of one switch frame, less the call's smallest such value, ms. */
  receiveLag(lagMs: number): void;
  /** Frames the call sent and the frames its schedule called for. */
  frames(sent: number, expected: number): void;
}

/** Name of the mark an agent sends after saying `text`: `answer:` + 12 hex digits of SHA-256. */
export function answerMarkName(text: string): string {
  return `answer:${createHash('sha256').update(text).digest('hex').slice(0, 12)}`;
}

const SILENCE_FRAME = new Uint8Array(FRAME_BYTES).fill(MULAW_SILENCE);

/** Lateness below which a frame not yet sent at hang-up is not counted as missing, ms. */
const FRAME_GRACE_MS = 10;

/** A call in progress: its eventual record, and a one-line description of where it is. */
export interface ActiveCall {
  done: Promise<CallRecord>;
  describe(): string;
}

/** Places one call and measures it; `done` resolves with its record and never rejects. */
export function startCall(context: CallContext, plan: CallPlan): ActiveCall {
  const session = new CallSession(context, plan);
  return { done: session.run(), describe: () => session.describe() };
}

/** Places one call and measures it; resolves with its record and never rejects. */
export function runCall(context: CallContext, plan: CallPlan): Promise<CallRecord> {
  return startCall(context, plan).done;
}

class CallSession {
  private readonly dialedAt: number;
  private link: Link | undefined;
  private meter: ConversationMeter | undefined;
  private schedule: PeriodicSchedule | undefined;
  private guard: TimerHandle | undefined;
  private answeredAt: number | null = null;
  private startFailure: string | undefined;
  private endReason: string | undefined;
  private cdr: CallDetailRecord | null = null;
  private readonly marks: Array<{ name: string; at_ms: number }> = [];
  private pending: Uint8Array[] = [];
  private flagIndex = -1;
  private seq = 0;
  private framesReceived = 0;
  private readonly sendLags: number[] = [];
  private readonly transitTimes: number[] = [];
  private readonly activeAtTurn: number[] = [];
  private scheduleStartedAt: number | null = null;
  private scheduleStoppedAt: number | null = null;
  private readonly pcm = new Int16Array(FRAME_BYTES);
  private error: string | undefined;
  private resolveAnswer: ((outcome: 'answered' | 'failed') => void) | undefined;
  private resolveEnd: (() => void) | undefined;
  private resolveCdr: (() => void) | undefined;

  private readonly recorder: CallRecorder | undefined;

  constructor(private readonly context: CallContext, private readonly plan: CallPlan) {
    this.dialedAt = context.clock.now();
    this.recorder = context.recordings?.open(plan.callId, this.dialedAt);
  }

  async run(): Promise<CallRecord> {
    try {
      await this.connectAndDial();
      if (this.answeredAt !== null && this.startFailure === undefined) await this.converse();
    } catch (err) {
      this.error = (err as Error).message;
      this.endReason ??= 'error';
      if (this.answeredAt === null) this.startFailure ??= 'driver_error';
    } finally {
      this.stopTimers();
      await this.hangUp();
      if (this.recorder !== undefined) this.context.recordings?.close(this.recorder);
    }
    return this.buildRecord();
  }

  describe(): string {
    const meter = this.meter;
    if (this.answeredAt === null) return `${this.plan.callId}: dialling`;
    if (meter === undefined) return `${this.plan.callId}: answered`;
    return `${this.plan.callId}: ${meter.phase}, turn ${meter.turns.length} of ${this.plan.utterances.length}`;
  }

  private async connectAndDial(): Promise<void> {
    const { clock, scenario } = this.context;
    try {
      this.link = await this.context.connect();
    } catch {
      this.startFailure = 'switch_unreachable';
      this.endReason = 'not_started';
      return;
    }
    this.link.onMessage((message) => this.guarded(() => this.receive(message)));
    this.link.onClose(() => this.switchClosed());

    const answered = new Promise<'answered' | 'failed'>((resolve) => (this.resolveAnswer = resolve));
    const timer = clock.setTimer(() => this.resolveAnswer?.('failed'), scenario.setupTimeoutMs);
    this.link.send(JSON.stringify({ event: 'dial', callId: this.plan.callId, number: scenario.number, parameters: { result: this.plan.expectedResult, callId: this.plan.callId } }));
    const outcome = await answered;
    clock.clearTimer(timer);
    if (outcome === 'failed' && this.startFailure === undefined) {
      this.startFailure = this.link.open ? 'setup_timeout' : 'switch_closed';
      this.endReason = 'not_started';
    }
  }

  private converse(): Promise<void> {
    const { clock, scenario } = this.context;
    const answeredAt = this.answeredAt!;
    this.meter = new ConversationMeter(
      { onsetFrames: 3, agentEndSilenceMs: scenario.agentEndSilenceMs, turnTimeoutMs: scenario.turnTimeoutMs, greetingTimeoutMs: scenario.greetingTimeoutMs, expectGreeting: scenario.expectGreeting },
      answeredAt,
    );
    const ended = new Promise<void>((resolve) => (this.resolveEnd = resolve));
    this.guard = clock.setTimer(() => this.end('max_call_time'), this.context.maxCallMs);
    this.scheduleStartedAt = answeredAt + this.plan.framePhaseMs;
    this.schedule = new PeriodicSchedule(clock, this.scheduleStartedAt, FRAME_MS, (scheduled) => this.guarded(() => this.tick(scheduled)));
    return ended;
  }

  /** Runs every 20 ms on the call's frame grid: decides what the caller does, then sends one frame. */
  private tick(scheduledMs: number): void {
    const meter = this.meter!;
    const now = this.context.clock.now();
    meter.advance(now);
    if (meter.failure !== null) {
      this.startFailure = meter.failure;
      this.end('no_greeting');
      return;
    }
    if (meter.phase === 'ready' && this.pending.length === 0) {
      if (meter.turns.length >= this.plan.utterances.length) {
        this.end('completed');
        return;
      }
      const gap = this.plan.callerGapsMs[meter.turns.length] ?? 0;
      if (meter.readyAt !== null && scheduledMs >= meter.readyAt + gap) this.speak(scheduledMs);
    }
    this.sendFrame(scheduledMs, now);
  }

  private speak(t0: number): void {
    const meter = this.meter!;
    const utterance = this.plan.utterances[meter.turns.length]!;
    const frames: Uint8Array[] = [];
    for (let offset = 0; offset < utterance.mulaw.length; offset += FRAME_BYTES) frames.push(utterance.mulaw.subarray(offset, offset + FRAME_BYTES));
    this.pending = frames;
    // The frame that holds the end of speech: speechEndMs falls inside or at the end of it.
    this.flagIndex = Math.max(0, Math.ceil(utterance.speechEndMs / FRAME_MS) - 1);
    meter.startTurn(t0, utterance.speechEndMs);
    this.activeAtTurn.push(this.context.activeCalls?.() ?? 1);
  }

  private sendFrame(scheduledMs: number, now: number): void {
    const frame = this.pending.shift();
    const isFlagged = frame !== undefined && this.flagIndex === 0;
    if (frame !== undefined) this.flagIndex--;
    this.sendLags.push(now - scheduledMs);
    const payload = padFrame(frame ?? SILENCE_FRAME);
    this.recorder?.caller(scheduledMs, payload);
    this.link?.send(encodeFrame({ seq: this.seq++, sentAt: now, flags: isFlagged ? FLAG_SPEECH_END : 0, payload }));
  }

  private receive(message: WireMessage): void {
    if (typeof message !== 'string') {
      this.receiveAudio(message);
      return;
    }
    let parsed: SwitchToCaller;
    try {
      parsed = JSON.parse(message) as SwitchToCaller;
    } catch {
      return;
    }
    this.receiveSignal(parsed);
  }

  private receiveAudio(message: Buffer): void {
    const frame = decodeFrame(message);
    if (frame === undefined || this.meter === undefined) return;
    this.framesReceived++;
    const now = this.context.clock.now();
    this.transitTimes.push(now - frame.sentAt);
    this.recorder?.agent(now, frame.payload);
    decodeMulaw(frame.payload, this.pcm);
    const audible = hasSound(this.pcm);
    const voiced = audible && this.context.vad.isVoiced(this.pcm);
    this.meter.frame(now, voiced, audible, audible ? Math.max(-100, levelDbfs(this.pcm)) : -100);
  }

  private receiveSignal(message: SwitchToCaller): void {
    const now = this.context.clock.now();
    switch (message.event) {
      case 'answered':
        this.answeredAt = now;
        this.resolveAnswer?.('answered');
        return;
      case 'rejected':
        this.startFailure = message.reason;
        this.endReason = 'rejected';
        this.resolveAnswer?.('failed');
        return;
      case 'mark':
        this.marks.push({ name: message.name, at_ms: now - this.dialedAt });
        return;
      case 'hangup':
        this.end(message.reason === 'agent_closed' ? 'agent_closed' : 'agent_hangup');
        return;
      case 'cdr':
        this.cdr = message.record;
        this.resolveCdr?.();
        return;
    }
  }

  /** Runs a timer or socket callback so that an exception ends this call, not the run. */
  private guarded(step: () => void): void {
    try {
      step();
    } catch (err) {
      this.error = (err as Error).message;
      this.resolveAnswer?.('failed');
      this.end('driver_error');
    }
  }

  private switchClosed(): void {
    this.resolveAnswer?.('failed');
    this.resolveCdr?.();
    this.end('switch_closed');
  }

  private end(reason: string): void {
    this.endReason ??= reason;
    this.stopTimers();
    this.resolveEnd?.();
  }

  private stopTimers(): void {
    if (this.schedule !== undefined && this.scheduleStoppedAt === null) this.scheduleStoppedAt = this.context.clock.now();
    this.schedule?.stop();
    this.context.clock.clearTimer(this.guard);
  }

  /** Hangs up (unless the other side did) and waits a bounded time for the switch's record. */
  private async hangUp(): Promise<void> {
    const link = this.link;
    if (link === undefined) return;
    if (link.open && this.cdr === null && this.endReason !== 'rejected') {
      const arrived = new Promise<void>((resolve) => (this.resolveCdr = resolve));
      if (this.endReason !== 'agent_hangup' && this.endReason !== 'agent_closed' && this.endReason !== 'rejected') {
        link.send(JSON.stringify({ event: 'hangup' }));
      }
      const timer = this.context.clock.setTimer(() => this.resolveCdr?.(), this.context.cdrTimeoutMs);
      await arrived;
      this.context.clock.clearTimer(timer);
    }
    link.close();
  }

  /**
   * Frames the schedule called for between its start and its stop. A frame
   * due less than FRAME_GRACE_MS before the stop is not counted: its timer
   * may not have fired yet, and lateness that small is within the send-lag limit.
   */
  private framesExpected(): number {
    if (this.scheduleStartedAt === null || this.scheduleStoppedAt === null) return this.seq;
    return Math.max(0, Math.floor((this.scheduleStoppedAt - FRAME_GRACE_MS - this.scheduleStartedAt) / FRAME_MS) + 1);
  }

  /** Receive lag of each frame against the call's fastest frame, so clock offsets between threads cancel out. */
  private receiveLags(): number[] {
    let fastest = Infinity;
    for (const transit of this.transitTimes) fastest = Math.min(fastest, transit);
    return this.transitTimes.map((transit) => transit - fastest);
  }

  private reportGenerator(receiveLags: number[], framesExpected: number): void {
    const sink = this.context.generator;
    if (sink === undefined) return;
    for (const lag of this.sendLags) sink.sendLag(lag);
    for (const lag of receiveLags) sink.receiveLag(lag);
    sink.frames(this.seq, framesExpected);
  }

  private buildRecord(): CallRecord {
    const receiveLags = this.receiveLags();
    const framesExpected = this.framesExpected();
    this.reportGenerator(receiveLags, framesExpected);
    return buildCallRecord({
      plan: this.plan,
      context: this.context,
      dialedAt: this.dialedAt,
      endedAt: this.context.clock.now(),
      answeredAt: this.answeredAt,
      meter: this.meter,
      startFailure: this.startFailure,
      endReason: this.endReason ?? 'error',
      marks: this.marks,
      cdr: this.cdr,
      framesSent: this.seq,
      framesReceived: this.framesReceived,
      sendLags: this.sendLags,
      receiveLags,
      framesExpected,
      activeAtTurn: this.activeAtTurn,
      error: this.error,
    });
  }
}

function hasSound(samples: Int16Array): boolean {
  for (let i = 0; i < samples.length; i++) if (samples[i] !== 0) return true;
  return false;
}

function padFrame(frame: Uint8Array): Uint8Array {
  if (frame.length === FRAME_BYTES) return frame;
  const padded = new Uint8Array(FRAME_BYTES).fill(MULAW_SILENCE);
  padded.set(frame);
  return padded;
}

interface RecordInputs {
  plan: CallPlan;
  context: Pick<CallContext, 'scenario' | 'contentKnown' | 'runStartedAt'>;
  dialedAt: number;
  endedAt: number;
  answeredAt: number | null;
  meter: ConversationMeter | undefined;
  startFailure: string | undefined;
  endReason: string;
  marks: Array<{ name: string; at_ms: number }>;
  cdr: CallDetailRecord | null;
  framesSent: number;
  framesReceived: number;
  sendLags: number[];
  receiveLags: number[];
  framesExpected: number;
  activeAtTurn?: number[];
  error: string | undefined;
}

/** Builds the record of a call that was never dialled, such as one over the driver's cap. */
export function notStartedRecord(context: Pick<CallContext, 'scenario' | 'contentKnown' | 'runStartedAt'>, plan: CallPlan, dueAt: number, reason: string): CallRecord {
  return buildCallRecord({
    plan,
    context,
    dialedAt: dueAt,
    endedAt: dueAt,
    answeredAt: null,
    meter: undefined,
    startFailure: reason,
    endReason: 'not_started',
    marks: [],
    cdr: null,
    framesSent: 0,
    framesReceived: 0,
    sendLags: [],
    receiveLags: [],
    framesExpected: 0,
    error: undefined,
  });
}

/** Turns what one call measured into its `calls.jsonl` line. */
export function buildCallRecord(inputs: RecordInputs): CallRecord {
  const { plan, context, dialedAt, meter } = inputs;
  const relative = (time: number | null) => (time === null ? null : round(time - dialedAt));
  const turns = (meter?.turns ?? []).map((turn) => toTurnRecord(turn, plan, relative, context.runStartedAt, inputs.activeAtTurn?.[turn.turn - 1] ?? null));
  const loops = analyzeLoops(meter?.bursts ?? []);
  const content = contentCheck(inputs);
  const averaged = averageLatency(meter?.turns ?? [], context.scenario.turnTimeoutMs);
  const reasons = incompleteReasons(inputs, turns, content, loops.responseLoop);

  const record: CallRecord = {
    call_id: plan.callId,
    row: plan.row,
    repeat: plan.repeat,
    number: context.scenario.number,
    result_completed: reasons.length === 0,
    not_completed_because: reasons,
    end_reason: inputs.endReason,
    dialed_at_ms: round(dialedAt - context.runStartedAt),
    duration_ms: round(inputs.endedAt - dialedAt),
    setup_ms: inputs.answeredAt === null ? null : round(inputs.answeredAt - dialedAt),
    time_to_greeting_ms: meter?.timeToGreetingMs === null || meter === undefined ? null : round(meter.timeToGreetingMs!),
    avg_turn_taking_latency_ms: averaged === null ? null : round(averaged),
    answered_turns: turns.filter((turn) => turn.latency_ms !== null).length,
    total_turns: turns.length,
    turns,
    response_loop: loops.responseLoop,
    loop_events: { repeated_replies: loops.repeatedReplies, fragments: loops.fragments, unprompted: loops.unprompted },
    expected_result: plan.expectedResult,
    content,
    marks: inputs.marks,
    frames_sent: inputs.framesSent,
    frames_expected: inputs.framesExpected,
    frames_received: inputs.framesReceived,
    send_lag_ms: lagSummary(inputs.sendLags),
    receive_lag_ms: lagSummary(inputs.receiveLags),
    switch: inputs.cdr,
  };
  if (inputs.startFailure !== undefined) record.start_failure = inputs.startFailure;
  if (inputs.error !== undefined) record.error = inputs.error;
  return record;
}

function toTurnRecord(turn: TurnMeasurement, plan: CallPlan, relative: (time: number | null) => number | null, runStartedAt: number, activeCalls: number | null): TurnRecord {
  const record: TurnRecord = {
    turn: turn.turn,
    text: plan.utterances[turn.turn - 1]?.text ?? '',
    at_ms: round(turn.endOfSpeechAt - runStartedAt),
    active_calls: activeCalls,
    latency_ms: turn.latencyMs === null ? null : round(turn.latencyMs),
    timed_out: turn.timedOut,
    talk_over: turn.talkOver,
    speech_start_ms: relative(turn.startedAt)!,
    end_of_speech_ms: relative(turn.endOfSpeechAt)!,
    onset_ms: relative(turn.onsetAt),
    first_audio_ms: relative(turn.firstAudioAt),
    answer_end_ms: relative(turn.answerEndAt),
    fragments: turn.fragments,
  };
  if (turn.talkOverOffsetMs !== null) record.talk_over_offset_ms = round(turn.talkOverOffsetMs);
  if (turn.lateAnswerMs !== null) record.late_answer_ms = round(turn.lateAnswerMs);
  return record;
}

/**
 * Mean turn-taking latency of one conversation: timed-out turns count as
 * `turnTimeoutMs` (a censored value), talk-overs are left out.
 */
export function averageLatency(turns: TurnMeasurement[], turnTimeoutMs: number): number | null {
  const values: number[] = [];
  for (const turn of turns) {
    if (turn.timedOut) values.push(turnTimeoutMs);
    else if (turn.latencyMs !== null) values.push(turn.latencyMs);
  }
  return values.length === 0 ? null : values.reduce((sum, value) => sum + value, 0) / values.length;
}

function contentCheck(inputs: RecordInputs): CallRecord['content'] {
  const expected = answerMarkName(inputs.plan.expectedResult);
  if (inputs.marks.some((mark) => mark.name === expected)) return 'heard';
  const agentMarksAnswers = inputs.marks.some((mark) => mark.name.startsWith('answer:'));
  return inputs.context.contentKnown || agentMarksAnswers ? 'missing' : 'not_verified';
}

function incompleteReasons(inputs: RecordInputs, turns: TurnRecord[], content: CallRecord['content'], responseLoop: boolean): string[] {
  if (inputs.startFailure !== undefined) return ['start_failure'];
  const reasons: string[] = [];
  if (turns.length < inputs.plan.utterances.length) reasons.push('turns_missing');
  if (turns.some((turn) => turn.timed_out)) reasons.push('turn_timed_out');
  if (turns.some((turn) => turn.talk_over)) reasons.push('talk_over');
  if (turns.some((turn) => !turn.timed_out && !turn.talk_over && turn.latency_ms === null)) reasons.push('turn_unanswered');
  if (inputs.endReason !== 'completed' && inputs.endReason !== 'agent_hangup') reasons.push(`ended_${inputs.endReason}`);
  if (turns.some((turn) => turn.fragments > 0)) reasons.push('fragments');
  if (responseLoop) reasons.push('response_loop');
  if (content === 'missing') reasons.push('result_not_heard');
  return reasons;
}

function lagSummary(lags: number[]): { p50: number; max: number } {
  if (lags.length === 0) return { p50: 0, max: 0 };
  const sorted = [...lags].sort((a, b) => a - b);
  return { p50: round(sorted[Math.floor((sorted.length - 1) / 2)]!), max: round(sorted[sorted.length - 1]!) };
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
