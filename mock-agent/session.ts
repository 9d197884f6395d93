import type { AudioLibrary, Clip, Vad, VadFactory } from '../audio/index.js';
import { decodeMulaw } from '../audio/index.js';
import { FRAME_BYTES, type Clock, type Link, type Logger, type TimerHandle, type WireMessage } from '../core/index.js';

import { answerMarkName, answerText, answerTexts } from './answers.js';
import { isAbortedError, missingMockAudio } from './errors.js';
import type { CallFaults, FaultState } from './faults.js';
import { parseInbound, type InboundMessage } from './inbound.js';
import { GREETING } from './phrases.js';
import { createCallRandom, type CallRandom } from './random.js';
import type { CallEndReason, CallEndRecord, TurnRecord } from './records.js';
import { AudioSender } from './sender.js';
import type { StageContext, ThinkPipeline } from './stages.js';
import { TurnDetector } from './turn-detector.js';

export interface SessionDependencies {
  clock: Clock;
  audio: AudioLibrary;
  vad: VadFactory;
  /** Agent-wide fault state, which also contains the current config. */
  faults: FaultState;
  pipeline: ThinkPipeline;
  seed: string;
  logger: Logger;
  onTurn(record: TurnRecord): void;
  onEnded(record: CallEndRecord): void;
}

/** State that exists from the stream's `start` message on. */
interface StartedCall {
  streamSid: string;
  callSid: string;
  expectedResult: string | undefined;
  random: CallRandom;
  vad: Vad;
  /** Every clip the call can speak, keyed by text, looked up at start so that no lookup falls in think time. */
  clips: Map<string, Clip>;
  faults: CallFaults;
  sender: AudioSender;
}

/** The caller turn that endpointing has just ended, with its timing. */
interface EndpointedTurn {
  turn: number;
  lastVoicedChunk: number | null;
  endpointStartedAt: number;
  endpointedAt: number;
}

/** Mark name sent after the greeting. Answers use `answer:<hash>`. */
const GREETING_MARK = 'greeting';
/** Mu-law bytes per ms at 8000 samples per second. */
const MULAW_BYTES_PER_MS = 8;

/**
 * One Twilio Media Streams stream: greets, detects the end of each caller
 * turn with VAD and an endpointing silence, thinks through the stage
 * pipeline and answers with a prepared clip followed by a mark.
 */
export class MockSession {
  private call: StartedCall | undefined;
  private ended = false;
  private readonly detector: TurnDetector;
  private readonly pcm = new Int16Array(FRAME_BYTES);
  /** Inbound bytes short of a whole 160-byte frame, kept for the next media message. */
  private partialFrame: Buffer = Buffer.alloc(0);

  private endpointTimer: TimerHandle | undefined;
  private endpointStartedAt = 0;
  private lastVoicedChunk: number | null = null;
  /** Caller turns endpointed so far, answered or dropped. */
  private callerTurns = 0;
  private turnsAnswered = 0;
  /** Aborts the call's think-time waits when the stream ends. */
  private readonly abort = new AbortController();
  private thinking = false;
  /** The agent counts as speaking until its last send time plus the clip's duration. */
  private speakingUntil = -Infinity;
  private readonly invalidMessages: Record<string, number> = {};
  /** Bound to the callSid and streamSid from `start` on. */
  private logger: Logger;

  constructor(
    private readonly link: Link,
    private readonly deps: SessionDependencies,
  ) {
    this.detector = new TurnDetector(deps.faults.config.speechFramesToStart);
    this.logger = deps.logger;
    link.onMessage((message) => this.guard(() => this.receive(message)));
    link.onClose(() => this.end('link_closed'));
  }

  get callSid(): string | null {
    return this.call?.callSid ?? null;
  }

  /** Ends the stream and closes its link, as on agent shutdown. */
  close(): void {
    this.end('agent_closed');
    this.link.close(1001, 'mock agent shutting down');
  }

  private receive(wire: WireMessage): void {
    if (this.ended) return;

    const parsed = parseInbound(wire);
    if (!parsed.ok) return this.countInvalid(parsed.reason);

    const message = parsed.message;
    if (message.event === 'connected') return;
    if (message.event === 'start') return this.start(message);
    if (this.call === undefined) return this.countInvalid('message_before_start');
    if (message.streamSid !== this.call.streamSid) return this.countInvalid('wrong_stream_sid');
    if (message.event === 'media') return this.receiveMedia(message.payload, message.chunk);
    if (message.event === 'stop') return this.end('stop');
    // Echoed marks and DTMF need no action from the healthy mock.
  }

  private start(message: Extract<InboundMessage, { event: 'start' }>): void {
    if (this.call !== undefined) return this.countInvalid('duplicate_start');

    this.logger = this.deps.logger.child({ callSid: message.callSid, streamSid: message.streamSid });
    const expectedResult = message.customParameters['result'];
    const clips = this.lookUpClips([GREETING, ...answerTexts(expectedResult)]);
    const random = createCallRandom(this.deps.seed, message.callSid);
    const faults = this.deps.faults;
    const sender = new AudioSender({ link: this.link, streamSid: message.streamSid, clock: this.deps.clock, random, resume: (time) => faults.resume(time) });
    this.call = {
      streamSid: message.streamSid,
      callSid: message.callSid,
      expectedResult,
      random,
      vad: this.deps.vad.create(),
      clips,
      faults: faults.startCall(message.callSid, this.abort.signal),
      sender,
    };
    this.logger.info({ socket: this.call.faults.socket }, 'stream started');

    this.thinking = true;
    this.greet().catch((err: unknown) => this.failUnlessEnded(err));
  }

  /** Sends the greeting once the TTS rate limit and slots admit it. A dropped greeting is never sent. */
  private async greet(): Promise<void> {
    const call = this.call!;
    const sendAt = await this.deps.pipeline.admitUtterance(this.stageContext(0));
    if (this.ended) return;
    this.thinking = false;
    if (sendAt === null) {
      this.logger.debug('greeting dropped by the tts rate limit');
      return;
    }
    this.speak(call.clips.get(GREETING)!, GREETING_MARK);
  }

  private stageContext(turn: number, startAt?: number, answer?: Clip): StageContext {
    const call = this.call!;
    const context: StageContext = { callSid: call.callSid, turn, random: call.random, call: call.faults };
    if (startAt !== undefined) context.startAt = startAt;
    if (answer !== undefined) context.sendFragment = (share, stopAt) => this.sendFragment(answer, share, stopAt);
    return context;
  }

  private lookUpClips(texts: string[]): Map<string, Clip> {
    const clips = new Map<string, Clip>();
    for (const text of texts) {
      try {
        clips.set(text, this.deps.audio.get('agent', text));
      } catch (err) {
        throw missingMockAudio(text, err);
      }
    }
    return clips;
  }

  private receiveMedia(payload: string, chunk: number): void {
    const received = Buffer.from(payload, 'base64');
    const bytes = this.partialFrame.length === 0 ? received : Buffer.concat([this.partialFrame, received]);
    const arrivedAt = this.deps.clock.now();

    let offset = 0;
    for (; offset + FRAME_BYTES <= bytes.length; offset += FRAME_BYTES) {
      this.receiveFrame(bytes.subarray(offset, offset + FRAME_BYTES), chunk, arrivedAt);
    }
    if (offset < bytes.length || this.partialFrame.length > 0) this.partialFrame = Buffer.from(bytes.subarray(offset));
  }

  private receiveFrame(frame: Uint8Array, chunk: number, arrivedAt: number): void {
    // The VAD classifies every frame, busy or not, because it adapts to the line's noise.
    const voiced = this.call!.vad.isVoiced(decodeMulaw(frame, this.pcm));

    if (this.busy(arrivedAt)) {
      this.detector.reset();
      return;
    }
    if (voiced) this.lastVoicedChunk = chunk;

    const signal = this.detector.push(voiced);
    if (signal === 'paused') this.startEndpointing(arrivedAt);
    if (signal === 'resumed') this.cancelEndpointing();
  }

  /** True while an answer is being thought of or still playing, so no new turn starts. */
  private busy(now: number): boolean {
    return this.thinking || now < this.speakingUntil;
  }

  private startEndpointing(frameArrivedAt: number): void {
    this.endpointStartedAt = frameArrivedAt;
    const delayMs = this.deps.faults.config.endpointingMs - (this.deps.clock.now() - frameArrivedAt);
    this.endpointTimer = this.deps.clock.setTimer(() => this.guard(() => this.endpoint()), delayMs);
  }

  private cancelEndpointing(): void {
    this.deps.clock.clearTimer(this.endpointTimer);
    this.endpointTimer = undefined;
  }

  private endpoint(): void {
    this.endpointTimer = undefined;
    if (this.ended) return;

    this.callerTurns++;
    const turn: EndpointedTurn = {
      turn: this.callerTurns,
      lastVoicedChunk: this.lastVoicedChunk,
      endpointStartedAt: this.endpointStartedAt,
      endpointedAt: this.deps.clock.now(),
    };
    this.detector.reset();
    this.lastVoicedChunk = null;
    this.thinking = true;

    this.answer(turn).catch((err: unknown) => this.failUnlessEnded(err));
  }

  private async answer(turn: EndpointedTurn): Promise<void> {
    const call = this.call!;
    const text = answerText(turn.turn, call.expectedResult);
    const clip = call.clips.get(text)!;
    const startAt = turn.endpointStartedAt + this.deps.faults.config.endpointingMs;
    const result = await this.deps.pipeline.run(this.stageContext(turn.turn, startAt, clip));
    if (this.ended) return;

    this.thinking = false;
    if (!result.answered) {
      this.logger.debug({ turn: turn.turn, stage: result.droppedIn, reason: result.reason, stageMs: result.stageMs }, 'answer dropped');
      return;
    }

    const markName = answerMarkName(text);
    const answerSentAt = this.speak(clip, markName);
    this.turnsAnswered++;

    this.deps.onTurn({ callSid: call.callSid, ...turn, stageMs: result.stageMs, answerSentAt, answerText: text, markName });
  }

  /** Sends `clip` as media, then a mark named `markName`, and returns the send time. */
  private speak(clip: Clip, markName: string): number {
    const sentAt = this.deps.clock.now();
    this.call!.sender.send(clip.mulaw, markName, this.deps.faults.config);
    this.speakingUntil = sentAt + clip.durationMs;
    return sentAt;
  }

  /** Sends the first `share` of `clip`, whole frames only and without a mark, as a TTS stream that stalls does. */
  private sendFragment(clip: Clip, share: number, stopAt: number): number {
    if (this.ended) return 0;
    const bytes = Math.round((clip.mulaw.length * share) / FRAME_BYTES) * FRAME_BYTES;
    this.call!.sender.send(clip.mulaw.subarray(0, bytes), null, this.deps.faults.config, stopAt);
    this.speakingUntil = Math.max(this.speakingUntil, this.deps.clock.now() + bytes / MULAW_BYTES_PER_MS);
    return bytes / MULAW_BYTES_PER_MS;
  }

  private countInvalid(reason: string): void {
    const firstOfStream = Object.keys(this.invalidMessages).length === 0;
    this.invalidMessages[reason] = (this.invalidMessages[reason] ?? 0) + 1;
    if (firstOfStream) this.logger.warn({ reason }, 'ignored an invalid message from the switch, later ones are only counted');
  }

  /** Runs a handler so that its error ends this stream only. */
  private guard(handler: () => void): void {
    try {
      handler();
    } catch (err) {
      this.fail(err);
    }
  }

  /** Fails the stream, except for the abort of a wait whose stream has already ended. */
  private failUnlessEnded(err: unknown): void {
    if (this.ended && isAbortedError(err)) return;
    this.fail(err);
  }

  private fail(err: unknown): void {
    this.logger.error({ err }, 'stream handler failed, closing the stream');
    this.end('error');
    this.link.close(1011, 'mock agent error');
  }

  private end(reason: CallEndReason): void {
    if (this.ended) return;
    this.ended = true;

    this.cancelEndpointing();
    this.abort.abort();
    this.call?.sender.stop();
    this.call?.vad.free();

    const record: CallEndRecord = {
      callSid: this.call?.callSid ?? null,
      streamSid: this.call?.streamSid ?? null,
      reason,
      turns: this.turnsAnswered,
      invalidMessages: { ...this.invalidMessages },
      endedAt: this.deps.clock.now(),
    };
    this.logger.info({ reason, turns: record.turns, invalidMessages: record.invalidMessages }, 'stream ended');
    this.deps.onEnded(record);
  }
}
