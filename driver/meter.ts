/**
 * Turn-taking measurement for one call, as the caller hears it. The meter is
 * fed frame arrivals (already classified voiced or not) and the caller's own
 * utterance schedule; it keeps no timers and does no I/O, so every rule can
 * be tested on a scripted timeline.
 *
 * Definitions:
 * - end of caller speech = t0 + speechEndMs, t0 being the scheduled send
 *   time of the utterance's first frame (scheduled, so a late generator
 *   cannot hide latency);
 * - agent onset = arrival of the first of `onsetFrames` voiced frames in a
 *   row, back-dated to the first of them;
 * - latency = onset - end of caller speech; an onset before the end is a
 *   talk-over, kept with its offset and left out of the latency figures;
 * - answer end = `agentEndSilenceMs` after the last voiced agent frame;
 * - no onset within `turnTimeoutMs` of the end of speech is a timeout; a
 *   later onset is that turn's late answer.
 */

import type { Burst, BurstKind } from './bursts.js';

/** Level recorded for a frame of digital silence. */
const SILENCE_DBFS = -100;

export interface MeterOptions {
  onsetFrames: number;
  agentEndSilenceMs: number;
  turnTimeoutMs: number;
  greetingTimeoutMs: number;
  expectGreeting: boolean;
}

export const METER_DEFAULTS: Readonly<Pick<MeterOptions, 'onsetFrames'>> = Object.freeze({ onsetFrames: 3 });

export interface TurnMeasurement {
  turn: number;
  /** Scheduled send time of the utterance's first frame. */
  startedAt: number;
  endOfSpeechAt: number;
  onsetAt: number | null;
  firstAudioAt: number | null;
  latencyMs: number | null;
  timedOut: boolean;
  talkOver: boolean;
  /** Onset minus end of speech for a talk-over (negative). */
  talkOverOffsetMs: number | null;
  /** Onset minus end of speech for an answer that came after the timeout. */
  lateAnswerMs: number | null;
  lastVoicedAt: number | null;
  answerEndAt: number | null;
  /** Voiced bursts after the answer ended and before the caller spoke again. */
  fragments: number;
}

export type MeterPhase = 'awaiting_greeting' | 'greeting' | 'ready' | 'speaking' | 'awaiting_answer' | 'answering' | 'failed';

/** Frame-level state of the agent's side of the line. */
interface AgentLine {
  voicedRun: number;
  voicedRunStart: number;
  /** Levels of the frames of the current voiced run, for the burst it may start. */
  runLevels: number[];
  inSpeech: boolean;
  lastVoicedAt: number | null;
  burst: Burst | null;
}

export class ConversationMeter {
  phase: MeterPhase;
  answeredAt: number;
  greetingOnsetAt: number | null = null;
  greetingEndAt: number | null = null;
  /** Time from which the caller may speak next; null while waiting. */
  readyAt: number | null = null;
  failure: string | null = null;
  readonly turns: TurnMeasurement[] = [];
  /** Every agent speech burst heard, in order. */
  readonly bursts: Burst[] = [];
  private readonly line: AgentLine = { voicedRun: 0, voicedRunStart: 0, runLevels: [], inSpeech: false, lastVoicedAt: null, burst: null };

  constructor(private readonly options: MeterOptions, answeredAt: number) {
    this.answeredAt = answeredAt;
    if (options.expectGreeting) {
      this.phase = 'awaiting_greeting';
    } else {
      this.phase = 'ready';
      this.readyAt = answeredAt;
    }
  }

  get timeToGreetingMs(): number | null {
    return this.greetingOnsetAt === null ? null : this.greetingOnsetAt - this.answeredAt;
  }

  get currentTurn(): TurnMeasurement | undefined {
    return this.turns[this.turns.length - 1];
  }

  /** Records the caller starting an utterance whose first frame is scheduled at `t0`. */
  startTurn(t0: number, speechEndMs: number): TurnMeasurement {
    const turn: TurnMeasurement = {
      turn: this.turns.length + 1,
      startedAt: t0,
      endOfSpeechAt: t0 + speechEndMs,
      onsetAt: null,
      firstAudioAt: null,
      latencyMs: null,
      timedOut: false,
      talkOver: false,
      talkOverOffsetMs: null,
      lateAnswerMs: null,
      lastVoicedAt: null,
      answerEndAt: null,
      fragments: 0,
    };
    this.turns.push(turn);
    this.phase = 'speaking';
    this.readyAt = null;
    return turn;
  }

  /**
   * Feeds one agent frame: its arrival time, VAD verdict, whether it held
   * any sound at all, and its level in dBFS (for reply fingerprints).
   */
  frame(arrivalMs: number, voiced: boolean, audible: boolean, levelDbfs = SILENCE_DBFS): void {
    this.advance(arrivalMs);
    const turn = this.currentTurn;
    if (audible && turn && turn.firstAudioAt === null && arrivalMs >= turn.endOfSpeechAt) turn.firstAudioAt = arrivalMs;
    if (this.line.burst !== null) this.line.burst.envelope.push(levelDbfs);

    if (!voiced) {
      this.line.voicedRun = 0;
      this.line.runLevels = [];
      return;
    }
    if (this.line.voicedRun === 0) this.line.voicedRunStart = arrivalMs;
    this.line.voicedRun++;
    if (!this.line.inSpeech) this.line.runLevels.push(levelDbfs);
    if (this.line.inSpeech) {
      this.voiced(arrivalMs);
    } else if (this.line.voicedRun >= this.options.onsetFrames) {
      this.line.inSpeech = true;
      this.onset(this.line.voicedRunStart);
      this.voiced(arrivalMs);
    }
  }

  /** Moves time forward without a frame: ends answers and turns that are due. */
  advance(nowMs: number): void {
    this.endSpeechIfSilent(nowMs);
    this.checkTimeouts(nowMs);
  }

  private voiced(arrivalMs: number): void {
    this.line.lastVoicedAt = arrivalMs;
    if (this.line.burst !== null) this.line.burst.lastVoicedAt = arrivalMs;
    const turn = this.currentTurn;
    if (turn && (this.phase === 'answering' || this.phase === 'speaking' || this.phase === 'awaiting_answer') && turn.onsetAt !== null) {
      turn.lastVoicedAt = arrivalMs;
    }
  }

  private onset(onsetAt: number): void {
    const kind = this.classifyOnset(onsetAt);
    const burst: Burst = { kind, turn: this.turns.length, onsetAt, lastVoicedAt: onsetAt, envelope: [...this.line.runLevels] };
    this.line.burst = burst;
    this.bursts.push(burst);
  }

  /** Applies an onset to the conversation and returns what the burst is. */
  private classifyOnset(onsetAt: number): BurstKind {
    const turn = this.currentTurn;
    switch (this.phase) {
      case 'awaiting_greeting':
        this.greetingOnsetAt = onsetAt;
        this.phase = 'greeting';
        return 'greeting';
      case 'speaking':
      case 'awaiting_answer':
        if (turn === undefined) return 'unprompted';
        if (this.claimLateAnswer(onsetAt)) return 'late_answer';
        turn.onsetAt = onsetAt;
        this.phase = 'answering';
        if (onsetAt < turn.endOfSpeechAt) {
          turn.talkOver = true;
          turn.talkOverOffsetMs = onsetAt - turn.endOfSpeechAt;
          return 'talk_over';
        }
        turn.latencyMs = onsetAt - turn.endOfSpeechAt;
        return 'answer';
      case 'ready':
        // Speech after the answer ended and before the caller spoke again.
        if (turn === undefined) return 'unprompted';
        if (this.claimLateAnswer(onsetAt)) return 'late_answer';
        turn.fragments++;
        return 'fragment';
      default:
        return 'unprompted';
    }
  }

  /** An onset before the current turn's end of speech may be the previous turn's late answer. */
  private claimLateAnswer(onsetAt: number): boolean {
    const previous = this.phase === 'ready' ? this.currentTurn : this.turns[this.turns.length - 2];
    const current = this.currentTurn;
    if (previous === undefined || !previous.timedOut || previous.lateAnswerMs !== null) return false;
    if (this.phase !== 'ready' && current !== undefined && onsetAt >= current.endOfSpeechAt) return false;
    previous.lateAnswerMs = onsetAt - previous.endOfSpeechAt;
    return true;
  }

  private endSpeechIfSilent(nowMs: number): void {
    if (!this.line.inSpeech || this.line.lastVoicedAt === null) return;
    const answerEnd = this.line.lastVoicedAt + this.options.agentEndSilenceMs;
    if (nowMs < answerEnd) return;
    this.line.inSpeech = false;
    this.line.voicedRun = 0;
    this.line.runLevels = [];
    this.closeBurst();
    if (this.phase === 'greeting') {
      this.greetingEndAt = answerEnd;
      this.phase = 'ready';
      this.readyAt = answerEnd;
    } else if (this.phase === 'answering') {
      const turn = this.currentTurn;
      if (turn) turn.answerEndAt = answerEnd;
      this.phase = 'ready';
      this.readyAt = answerEnd;
    }
  }

  /** Ends the current burst, dropping the silent frames after its last voiced one. */
  private closeBurst(): void {
    const burst = this.line.burst;
    if (burst === null) return;
    burst.envelope.length = Math.min(burst.envelope.length, Math.round((burst.lastVoicedAt - burst.onsetAt) / 20) + 1);
    this.line.burst = null;
  }

  private checkTimeouts(nowMs: number): void {
    if (this.phase === 'awaiting_greeting' && nowMs >= this.answeredAt + this.options.greetingTimeoutMs) {
      this.phase = 'failed';
      this.failure = 'no_greeting';
      return;
    }
    const turn = this.currentTurn;
    if (turn === undefined) return;
    if (this.phase === 'speaking' && nowMs >= turn.endOfSpeechAt) this.phase = 'awaiting_answer';
    if (this.phase === 'awaiting_answer' && nowMs >= turn.endOfSpeechAt + this.options.turnTimeoutMs) {
      turn.timedOut = true;
      this.phase = 'ready';
      this.readyAt = turn.endOfSpeechAt + this.options.turnTimeoutMs;
    }
  }
}
