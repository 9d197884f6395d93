import {
  decodeFrame,
  encodeFrame,
  FLAG_SPEECH_END,
  FRAME_MS,
  PeriodicSchedule,
  VoiceLoadError,
  type DialMessage,
  type Link,
  type Logger,
  type SwitchToCaller,
  type TimerHandle,
  type WireMessage,
} from '../core/index.js';
import { AgentStream } from './agent-leg.js';
import { parseAgentMessage } from './agent-messages.js';
import { parseCallerText } from './caller-messages.js';
import { CallRecorder, type EndReason } from './cdr.js';
import type { CallIds } from './ids.js';
import type { ResolvedSwitchOptions } from './options.js';
import { PlayoutBuffer } from './playout.js';

type CallState = 'awaiting_dial' | 'connecting' | 'active' | 'ended';

/** Dependencies a call takes from the switch that owns it. */
export interface CallEnvironment {
  options: ResolvedSwitchOptions;
  createIds: (callId: string) => CallIds;
  onEnd: (call: Call) => void;
}

/** End reasons the caller hears about as a `hangup` before the record. */
const NOTIFIED_END_REASONS: ReadonlySet<EndReason> = new Set(['agent_closed', 'switch_closed', 'internal_error']);

/**
 * One call through the switch: the caller leg from the driver, the agent
 * leg in Twilio Media Streams, the playout of agent audio at one frame per
 * 20 ms, and the call detail record. Every handler is guarded, so an error
 * in one call ends that call only.
 */
export class Call {
  private state: CallState = 'awaiting_dial';
  private logger: Logger;
  private readonly recorder: CallRecorder;
  private readonly playout = new PlayoutBuffer();
  private dial: DialMessage | undefined;
  private ids: CallIds | undefined;
  private dialReceivedAt = 0;
  private connectTimer: TimerHandle | undefined;
  private agentLink: Link | undefined;
  private stream: AgentStream | undefined;
  private schedule: PeriodicSchedule | undefined;
  private callerFrameSeq = 0;

  constructor(
    private readonly callerLink: Link,
    private readonly env: CallEnvironment,
  ) {
    this.logger = env.options.logger;
    this.recorder = new CallRecorder('', '', env.options.downlinkDelayMs);
    callerLink.onMessage((message) => this.guard(() => this.handleCallerMessage(message)));
    callerLink.onClose(() => this.guard(() => this.end('caller_closed')));
  }

  get ended(): boolean {
    return this.state === 'ended';
  }

  /** Ends the call: stops playout, closes the agent leg and sends the record to the caller. */
  end(reason: EndReason): void {
    if (this.state === 'ended') return;
    this.state = 'ended';
    try {
      this.schedule?.stop();
      this.env.options.clock.clearTimer(this.connectTimer);
      this.closeAgentLeg(reason);
      this.closeCallerLeg(reason);
      this.logger.info({ reason, setupMs: this.recorder.record.setup_ms }, 'call ended');
    } finally {
      this.env.onEnd(this);
    }
  }

  private handleCallerMessage(message: WireMessage): void {
    if (this.state === 'ended') return;
    if (typeof message !== 'string') {
      this.handleCallerFrame(message);
      return;
    }

    const parsed = parseCallerText(message);
    if (parsed.kind === 'hangup') {
      this.end('caller_hangup');
    } else if (parsed.kind === 'dial' && this.state === 'awaiting_dial') {
      this.handleDial(parsed.dial);
    } else if (this.state === 'awaiting_dial') {
      this.reject('dial_expected', 400);
    } else {
      this.warn(parsed.kind === 'dial' ? 'caller_repeated_dial' : parsed.warning);
    }
  }

  private handleDial(dial: DialMessage): void {
    this.dial = dial;
    this.dialReceivedAt = this.env.options.clock.now();
    this.ids = this.env.createIds(dial.callId);
    this.logger = this.env.options.logger.child({ callId: dial.callId, callSid: this.ids.callSid });

    const record = this.recorder.record;
    record.call_id = dial.callId;
    record.number = dial.number;
    record.call_sid = this.ids.callSid;
    record.stream_sid = this.ids.streamSid;

    const url = this.env.options.routes.get(dial.number);
    if (url === undefined) {
      this.reject('unknown_number', 404);
      return;
    }
    record.agent_url = url;
    this.connectAgent(url);
  }

  private connectAgent(url: string): void {
    this.state = 'connecting';
    const { clock, dial, agentConnectTimeoutMs } = this.env.options;
    const timeout = new VoiceLoadError('VL_AGENT_TIMEOUT', `connecting to the agent at ${url} timed out after ${agentConnectTimeoutMs} ms`);
    this.connectTimer = clock.setTimer(() => this.guard(() => this.agentUnreachable(timeout)), agentConnectTimeoutMs);

    dial(url).then(
      (link) => this.guard(() => this.agentConnected(link)),
      (err: unknown) => this.guard(() => this.agentUnreachable(err)),
    );
  }

  private agentUnreachable(err: unknown): void {
    if (this.state !== 'connecting') return;
    this.logger.warn({ err, agentUrl: this.recorder.record.agent_url }, 'agent unreachable');
    this.reject('agent_unreachable', 502);
  }

  private agentConnected(link: Link): void {
    if (this.state !== 'connecting' || !link.open) {
      // The call ended or timed out while the agent leg was opening.
      link.close(1000);
      if (this.state === 'connecting') this.agentUnreachable(new Error('agent link closed while opening'));
      return;
    }
    this.env.options.clock.clearTimer(this.connectTimer);
    this.agentLink = link;
    this.stream = new AgentStream(link, this.env.options.clock, this.ids!);
    link.onMessage((message) => this.guard(() => this.handleAgentMessage(message)));
    link.onClose(() => this.guard(() => this.end('agent_closed')));

    this.stream.start(this.dial!.parameters);
    this.answer();
  }

  private answer(): void {
    const clock = this.env.options.clock;
    const answeredAt = clock.now();
    this.recorder.record.setup_ms = answeredAt - this.dialReceivedAt;
    this.state = 'active';
    this.sendCaller({ event: 'answered', callId: this.dial!.callId });
    // TODO: offset the grid by a seeded per-call phase so calls answered together do not share ticks.
    this.schedule = new PeriodicSchedule(clock, answeredAt, FRAME_MS, () => this.guard(() => this.playFrame()));
  }

  private reject(reason: string, code: number): void {
    this.sendCaller({ event: 'rejected', callId: this.dial?.callId ?? '', reason, code });
    this.end('rejected');
  }

  /** Forwards a caller frame to the agent at once, or drops it if the call is not answered yet. */
  private handleCallerFrame(buffer: Buffer): void {
    const frame = decodeFrame(buffer);
    if (frame === undefined) {
      this.warn('caller_malformed_frame');
      return;
    }
    const record = this.recorder.record;
    record.frames_from_caller++;
    if (this.state !== 'active' || this.stream === undefined) {
      record.frames_dropped++;
      return;
    }

    const forwardedAt = this.env.options.clock.now();
    const chunk = this.stream.media(frame.payload);
    record.frames_to_agent++;
    if ((frame.flags & FLAG_SPEECH_END) !== 0) this.recorder.openTurn(forwardedAt, frame.sentAt, chunk);
  }

  private handleAgentMessage(message: WireMessage): void {
    if (this.state !== 'active') return;
    const parsed = parseAgentMessage(message, this.ids!.streamSid);

    switch (parsed.kind) {
      case 'media': {
        if (parsed.warning !== undefined) this.warn(parsed.warning);
        const offset = this.playout.append(parsed.audio);
        this.recorder.agentMedia(this.env.options.clock.now(), parsed.audio.length, offset);
        break;
      }
      case 'mark':
        this.recorder.record.marks_received++;
        this.playout.addMark(parsed.name);
        break;
      case 'clear':
        this.clearPlayout();
        break;
      case 'invalid':
        this.warn(parsed.warning);
        break;
      case 'ignored':
        break;
    }
  }

  /** Flushes buffered agent audio and echoes every pending mark at once, as Twilio does. */
  private clearPlayout(): void {
    const marks = this.playout.clear();
    this.recorder.cleared(this.playout.playedOffset);
    for (const name of marks) this.playMark(name);
  }

  /** Sends exactly one frame to the caller, then the marks its audio completed. */
  private playFrame(): void {
    if (this.state !== 'active') return;
    const frame = this.playout.takeFrame();
    const sentAt = this.env.options.clock.now();
    this.callerLink.send(encodeFrame({ seq: this.callerFrameSeq++, sentAt, flags: 0, payload: frame.payload }));
    this.recorder.framePlayed(sentAt, frame.startOffset, frame.startOffset + frame.audioBytes);

    for (const name of this.playout.takePlayedMarks()) this.playMark(name);
  }

  private playMark(name: string): void {
    this.recorder.record.marks_played++;
    this.stream?.mark(name);
    this.sendCaller({ event: 'mark', name });
  }

  private closeAgentLeg(reason: EndReason): void {
    const link = this.agentLink;
    if (link === undefined) return;
    if (reason !== 'agent_closed' && link.open) this.stream?.stop();
    link.close(1000);
  }

  private closeCallerLeg(reason: EndReason): void {
    if (NOTIFIED_END_REASONS.has(reason)) this.sendCaller({ event: 'hangup', reason });
    this.sendCaller({ event: 'cdr', record: this.recorder.finish(reason) });
    this.callerLink.close(1000);
  }

  /** Counts a protocol warning and logs each kind once per call. */
  private warn(kind: string): void {
    if (this.recorder.warn(kind)) this.logger.warn({ kind }, 'protocol warning');
  }

  private sendCaller(message: SwitchToCaller): void {
    this.callerLink.send(JSON.stringify(message));
  }

  private guard(handler: () => void): void {
    try {
      handler();
    } catch (err) {
      this.logger.error({ err }, 'call handler failed');
      this.endAfterError();
    }
  }

  private endAfterError(): void {
    try {
      this.end('internal_error');
    } catch (err) {
      this.logger.error({ err }, 'ending the call after an error failed');
    }
  }
}
