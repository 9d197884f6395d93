import type { AudioLibrary, Clip, Vad, VadFactory } from '../audio/index.js';
import { decodeMulaw } from '../audio/index.js';
import { FRAME_BYTES, type Clock, type Link, type Logger, type TimerHandle, type WireMessage } from '../core/index.js';

import { answerMarkName, answerText, answerTexts } from './answers.js';
import type { MockConfig } from './config.js';
import { missingMockAudio } from './errors.js';
import { parseInbound, type InboundMessage } from './inbound.js';
import { markMessage, mediaMessage, splitBurst } from './outbound.js';
import { GREETING } from './phrases.js';
import { createCallRandom, type CallRandom } from './random.js';
import type { CallEndReason, CallEndRecord, TurnRecord } from './records.js';
import type { ThinkPipeline } from './stages.js';
import { TurnDetector } from './turn-detector.js';

export interface SessionDependencies {
  clock: Clock;
  audio: AudioLibrary;
  vad: VadFactory;
  config: Readonly<MockConfig>;
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
  private turnsAnswered = 0;
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
    this.detector = new TurnDetector(deps.config.speechFramesToStart);
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
    this.call = {
      streamSid: message.streamSid,
      callSid: message.callSid,
      expectedResult,
      random: createCallRandom(this.deps.seed, message.callSid),
      vad: this.deps.vad.create(),
      clips,
    };
    this.logger.info('stream started');

    this.speak(clips.get(GREETING)!, GREETING_MARK);
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
    this.partialFrame = Buffer.from(bytes.subarray(offset));
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
    const delayMs = this.deps.config.endpointingMs - (this.deps.clock.now() - frameArrivedAt);
    this.endpointTimer = this.deps.clock.setTimer(() => this.guard(() => this.endpoint()), delayMs);
  }

  private cancelEndpointing(): void {
    this.deps.clock.clearTimer(this.endpointTimer);
    this.endpointTimer = undefined;
  }

  private endpoint(): void {
    this.endpointTimer = undefined;
    if (this.ended) return;

    const turn: EndpointedTurn = {
      turn: this.turnsAnswered + 1,
      lastVoicedChunk: this.lastVoicedChunk,
      endpointStartedAt: this.endpointStartedAt,
      endpointedAt: this.deps.clock.now(),
    };
    this.detector.reset();
    this.lastVoicedChunk = null;
    this.thinking = true;

    this.answer(turn).catch((err: unknown) => this.fail(err));
  }

  private async answer(turn: EndpointedTurn): Promise<void> {
    const call = this.call!;
    const startAt = turn.endpointStartedAt + this.deps.config.endpointingMs;
    const stageMs = await this.deps.pipeline.run({ callSid: call.callSid, turn: turn.turn, random: call.random, startAt });
    if (this.ended) return;

    const text = answerText(turn.turn, call.expectedResult);
    const markName = answerMarkName(text);
    const answerSentAt = this.speak(call.clips.get(text)!, markName);
    this.thinking = false;
    this.turnsAnswered = turn.turn;

    this.deps.onTurn({ callSid: call.callSid, ...turn, stageMs, answerSentAt, answerText: text, markName });
  }

  /** Sends `clip` as media, then a mark named `markName`, and returns the send time. */
  private speak(clip: Clip, markName: string): number {
    const call = this.call!;
    const sentAt = this.deps.clock.now();

    for (const chunk of splitBurst(clip.mulaw, call.random, this.deps.config)) {
      this.link.send(mediaMessage(call.streamSid, chunk));
    }
    this.link.send(markMessage(call.streamSid, markName));

    this.speakingUntil = sentAt + clip.durationMs;
    return sentAt;
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

  private fail(err: unknown): void {
    this.logger.error({ err }, 'stream handler failed, closing the stream');
    this.end('error');
    this.link.close(1011, 'mock agent error');
  }

  private end(reason: CallEndReason): void {
    if (this.ended) return;
    this.ended = true;

    this.cancelEndpointing();
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
