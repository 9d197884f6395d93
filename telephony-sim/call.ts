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
import { ADMISSION_REJECTIONS, type Admission, type AdmissionRejection } from './admission.js';
import { AgentStream } from './agent-leg.js';
import { parseAgentMessage } from './agent-messages.js';
import { parseCallerText } from './caller-messages.js';
import { CallRecorder, type EndReason } from './cdr.js';
import { DelayLine } from './delay-line.js';
import type { CallIds } from './ids.js';
import type { Direction, SwitchMetrics } from './metrics.js';
import { createCallNetwork, silentFrame, type CallNetwork, type FrameTransit } from './network.js';
import type { ResolvedSwitchOptions } from './options.js';
import { PlayoutBuffer } from './playout.js';
import type { RoutingEngine } from './routing.js';

type CallState = 'awaiting_dial' | 'queued' | 'routing' | 'connecting' | 'active' | 'ended';

/** Dependencies a call takes from the switch that owns it. */
export interface CallEnvironment {
  options: ResolvedSwitchOptions;
  admission: Admission;
  metrics: SwitchMetrics;
  /** Undefined when routing has unlimited workers and costs nothing. */
  routing: RoutingEngine | undefined;
  createIds: (callId: string) => CallIds;
  onEnd: (call: Call, reason: EndReason) => void;
}

/** End reasons the caller hears about as a `hangup` before the record. */
const NOTIFIED_END_REASONS: ReadonlySet<EndReason> = new Set(['agent_closed', 'switch_closed', 'internal_error']);

/**
 * One call through the switch: admission, the caller leg from the driver,
 * the agent leg in Twilio Media Streams, and the playout of agent audio at
 * one frame per 20 ms. It also applies the network model on both legs and
 * keeps the call detail record. Every handler is guarded, so an error in
 * one call ends that call only.
 */
export class Call {
  private state: CallState = 'awaiting_dial';
  private logger: Logger;
  private readonly recorder = new CallRecorder('', '');
  private readonly playout = new PlayoutBuffer();
  /** Caller-leg jitter buffer output towards the agent. */
  private readonly uplinkLine: DelayLine;
  /** Caller-leg jitter buffer output at the caller. */
  private readonly downlinkLine: DelayLine;
  private readonly toAgentLine: DelayLine;
  private readonly fromAgentLine: DelayLine;
  private network: CallNetwork | undefined;
  private dial: DialMessage | undefined;
  private ids: CallIds | undefined;
  private dialReceivedAt = 0;
  private withdrawAdmission: (() => void) | undefined;
  private holdsChannel = false;
  private setupTimer: TimerHandle | undefined;
  private connectTimer: TimerHandle | undefined;
  private agentLink: Link | undefined;
  private stream: AgentStream | undefined;
  private schedule: PeriodicSchedule | undefined;
  private callerFrameSeq = 0;

  constructor(
    private readonly callerLink: Link,
    private readonly env: CallEnvironment,
  ) {
    const clock = env.options.clock;
    this.logger = env.options.logger;
    this.uplinkLine = new DelayLine(clock);
    this.downlinkLine = new DelayLine(clock);
    this.toAgentLine = new DelayLine(clock);
    this.fromAgentLine = new DelayLine(clock);
    callerLink.onMessage((message) => this.guard(() => this.handleCallerMessage(message)));
    callerLink.onClose(() => this.guard(() => this.end('caller_closed')));
  }

  get ended(): boolean {
    return this.state === 'ended';
  }

  /**
   * Ends the call: stops playout, delivers what is in flight towards the
   * agent and the caller, closes the agent leg, sends the record to the
   * caller and frees the call's channel.
   */
  end(reason: EndReason): void {
    if (this.state === 'ended') return;
    this.state = 'ended';
    try {
      this.schedule?.stop();
      this.env.options.clock.clearTimer(this.setupTimer);
      this.env.options.clock.clearTimer(this.connectTimer);
      this.withdrawAdmission?.();
      this.uplinkLine.close();
      this.fromAgentLine.close();
      this.toAgentLine.flush();
      this.downlinkLine.flush();
      this.closeAgentLeg(reason);
      this.closeCallerLeg(reason);
      this.logger.info({ reason, setupMs: this.recorder.record.setup_ms }, 'call ended');
    } finally {
      this.toAgentLine.close();
      this.downlinkLine.close();
      if (this.holdsChannel) {
        this.holdsChannel = false;
        this.env.admission.release();
      }
      this.env.onEnd(this, reason);
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
    } else if (parsed.kind === 'dtmf') {
      this.handleCallerDtmf(parsed.digit);
    } else {
      this.warn(parsed.kind === 'dial' ? 'caller_repeated_dial' : parsed.warning);
    }
  }

  private handleDial(dial: DialMessage): void {
    const options = this.env.options;
    this.dial = dial;
    this.dialReceivedAt = options.clock.now();
    this.ids = this.env.createIds(dial.callId);
    this.network = createCallNetwork(options, dial.callId, FRAME_MS);
    this.logger = options.logger.child({ callId: dial.callId, callSid: this.ids.callSid });

    const record = this.recorder.record;
    record.call_id = dial.callId;
    record.number = dial.number;
    record.call_sid = this.ids.callSid;
    record.stream_sid = this.ids.streamSid;

    // An unknown number is rejected before admission, so it takes no token or channel.
    const url = options.routes.get(dial.number);
    if (url === undefined) {
      this.reject('unknown_number', 404);
      return;
    }
    record.agent_url = url;

    this.state = 'queued';
    this.withdrawAdmission = this.env.admission.request({
      admitted: (waitMs) => this.guard(() => this.admitted(url, waitMs)),
      rejected: (reason, waitMs) => this.guard(() => this.admissionRejected(reason, waitMs)),
    });
  }

  private admitted(url: string, waitMs: number): void {
    this.withdrawAdmission = undefined;
    this.holdsChannel = true;
    this.recorder.record.admission_wait_ms = waitMs;
    this.routeSetup(url);
  }

  /** Runs the call's setup on the routing engine, then connects the agent leg. */
  private routeSetup(url: string): void {
    const clock = this.env.options.clock;
    const readyAt = this.env.routing?.setup() ?? clock.now();
    if (readyAt <= clock.now()) {
      this.connectAgent(url);
      return;
    }
    this.state = 'routing';
    this.setupTimer = clock.setTimer(() => this.guard(() => this.connectAgent(url)), readyAt - clock.now());
  }

  private admissionRejected(reason: AdmissionRejection, waitMs: number): void {
    this.withdrawAdmission = undefined;
    if (this.state !== 'queued') return;
    this.logger.info({ reason, waitMs }, 'call rejected by admission');
    this.reject(reason, ADMISSION_REJECTIONS[reason]);
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
    this.stream = new AgentStream((message, onDelivered, readyAt) => this.sendAgent(message, onDelivered, readyAt), this.env.options.clock, this.ids!);
    link.onMessage((message) => this.guard(() => this.receiveAgent(message)));
    // The close travels behind the agent's last messages, as a TCP FIN does.
    link.onClose(() => this.guard(() => this.receiveFromAgent(() => this.end('agent_closed'))));

    this.stream.start(this.dial!.parameters);
    this.answer();
  }

  /** Sends `answered` to the caller and starts the 20 ms playout grid at a seeded phase after it. */
  private answer(): void {
    const clock = this.env.options.clock;
    const answeredAt = clock.now();
    const phaseMs = this.network!.playoutPhaseMs;
    this.recorder.record.setup_ms = answeredAt - this.dialReceivedAt;
    this.recorder.record.playout_phase_ms = phaseMs;
    this.state = 'active';
    this.sendCaller({ event: 'answered', callId: this.dial!.callId });
    this.schedule = new PeriodicSchedule(clock, answeredAt + phaseMs, FRAME_MS, (scheduledAt) => this.guard(() => this.playFrame(scheduledAt)));
  }

  private reject(reason: string, code: number): void {
    this.env.metrics.rejected(reason);
    this.sendCaller({ event: 'rejected', callId: this.dial?.callId ?? '', reason, code });
    this.end('rejected');
  }

  /**
   * Passes a caller frame through the uplink model and the jitter buffer,
   * then forwards it to the agent. A frame that arrives before the call is
   * connected is dropped.
   */
  private handleCallerFrame(buffer: Buffer): void {
    const frame = decodeFrame(buffer);
    if (frame === undefined) {
      this.warn('caller_malformed_frame');
      return;
    }
    const record = this.recorder.record;
    record.frames_from_caller++;
    if (this.state !== 'active') {
      record.frames_dropped++;
      this.env.metrics.frameDropped('uplink', 'not_answered');
      return;
    }

    const transit = this.network!.uplink.next();
    this.countTransit('uplink', transit);
    const payload = transit.fate === 'delivered' ? frame.payload : silentFrame();
    const speechEnd = (frame.flags & FLAG_SPEECH_END) !== 0;
    const dueAt = this.env.options.clock.now() + transit.delayMs;
    this.uplinkLine.push(dueAt, () => this.guard(() => this.forwardFrame(payload, speechEnd, frame.sentAt)));
  }

  /**
   * Sends a frame that left the jitter buffer to the agent once the routing
   * engine has forwarded it. The end-of-speech flag opens a turn on delivery.
   */
  private forwardFrame(payload: Uint8Array, speechEnd: boolean, sentAt: number): void {
    if (this.state !== 'active' || this.stream === undefined) return;
    const chunk = this.stream.chunksSent + 1;
    const openTurn = speechEnd ? (deliveredAt: number) => this.recorder.openTurn(deliveredAt, sentAt, chunk) : undefined;
    this.stream.media(payload, openTurn, this.env.routing?.frame());
    this.recorder.record.frames_to_agent++;
    this.env.metrics.frameForwarded('uplink');
  }

  private handleCallerDtmf(digit: string): void {
    if (this.state !== 'active') {
      this.warn('caller_dtmf_before_answer');
      return;
    }
    // DTMF travels in the RTP stream (RFC 4733), so it takes the caller leg's delay and order.
    this.uplinkLine.push(this.callerLegDueAt(), () =>
      this.guard(() => {
        if (this.state !== 'active') return;
        this.recorder.record.dtmf_from_caller++;
        this.stream?.dtmf(digit);
      }),
    );
  }

  /** Sends a message on the agent leg at `readyAt` plus the modelled agent-leg delay, never overtaking an earlier one. */
  private sendAgent(message: string, onDelivered?: (deliveredAt: number) => void, readyAt?: number): void {
    const dueAt = (readyAt ?? this.env.options.clock.now()) + this.network!.toAgent.nextDelayMs();
    this.toAgentLine.push(dueAt, (deliveredAt) => {
      this.agentLink?.send(message);
      onDelivered?.(deliveredAt);
    });
  }

  /** Holds an agent message for the modelled agent-leg delay before the switch acts on it. */
  private receiveAgent(message: WireMessage): void {
    this.receiveFromAgent((arrivedAt, receivedAt) => this.handleAgentMessage(message, arrivedAt, receivedAt));
  }

  private receiveFromAgent(handle: (arrivedAt: number, receivedAt: number) => void): void {
    const arrivedAt = this.env.options.clock.now();
    const dueAt = arrivedAt + this.network!.fromAgent.nextDelayMs();
    this.fromAgentLine.push(dueAt, (receivedAt) => this.guard(() => handle(arrivedAt, receivedAt)));
  }

  /**
   * Acts on one agent message that reached the switch at `arrivedAt` and,
   * after the modelled agent-leg delay, at `receivedAt`.
   */
  private handleAgentMessage(message: WireMessage, arrivedAt: number, receivedAt: number): void {
    if (this.state !== 'active') return;
    const parsed = parseAgentMessage(message, this.ids!.streamSid);

    switch (parsed.kind) {
      case 'media': {
        if (parsed.warning !== undefined) this.warn(parsed.warning);
        const offset = this.playout.append(parsed.audio);
        this.recorder.agentMedia(arrivedAt, receivedAt, parsed.audio.length, offset);
        break;
      }
      case 'mark':
        this.recorder.record.marks_received++;
        this.playout.addMark(parsed.name);
        break;
      case 'clear':
        this.clearPlayout();
        break;
      case 'dtmf':
        this.recorder.record.dtmf_from_agent++;
        this.sendCallerInBand({ event: 'dtmf', digit: parsed.digit });
        break;
      case 'invalid':
        this.warn(parsed.warning);
        break;
    }
  }

  /** Flushes buffered agent audio and echoes every pending mark at once, as Twilio does. */
  private clearPlayout(): void {
    const marks = this.playout.clear();
    this.recorder.cleared(this.playout.playedOffset);
    for (const name of marks) this.playMark(name);
  }

  /**
   * Takes exactly one frame from playout, passes it through the routing
   * engine and the downlink model to the caller, then sends the marks its
   * audio completed. The header carries the frame's slot on the 20 ms grid,
   * so the caller's receive lag includes any lateness of the switch's timer.
   */
  private playFrame(scheduledAt: number): void {
    if (this.state !== 'active') return;
    const frame = this.playout.takeFrame();
    const sentAt = this.env.options.clock.now();
    const routedAt = this.env.routing?.frame() ?? sentAt;
    const transit = this.network!.downlink.next();
    this.countTransit('downlink', transit);

    const payload = transit.fate === 'delivered' ? frame.payload : silentFrame();
    const encoded = encodeFrame({ seq: this.callerFrameSeq++, sentAt: scheduledAt, flags: 0, payload });
    const deliveredAt = this.downlinkLine.push(routedAt + transit.delayMs, () => {
      this.callerLink.send(encoded);
      this.recorder.record.frames_to_caller++;
      this.env.metrics.frameForwarded('downlink');
    });
    this.recorder.framePlayed(sentAt, frame.startOffset, frame.startOffset + frame.audioBytes, deliveredAt - sentAt);

    for (const name of this.playout.takePlayedMarks()) this.playMark(name, routedAt);
  }

  /** Echoes a played mark to the agent at `readyAt` (now when undefined) and sends it to the caller behind the frames already on their way. */
  private playMark(name: string, readyAt?: number): void {
    this.recorder.record.marks_played++;
    this.stream?.mark(name, readyAt);
    this.sendCallerInBand({ event: 'mark', name });
  }

  private countTransit(direction: Direction, transit: FrameTransit): void {
    if (transit.fate === 'delivered') return;
    const record = this.recorder.record;
    if (direction === 'uplink') {
      if (transit.fate === 'lost') record.uplink_frames_lost++;
      else record.uplink_frames_late++;
    } else {
      if (transit.fate === 'lost') record.downlink_frames_lost++;
      else record.downlink_frames_late++;
    }
    this.env.metrics.frameDropped(direction, transit.fate);
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
    this.env.metrics.protocolWarning(kind);
    if (this.recorder.warn(kind)) this.logger.warn({ kind }, 'protocol warning');
  }

  /** Sends a message that belongs to the media stream, behind the frames already on their way to the caller. */
  private sendCallerInBand(message: SwitchToCaller): void {
    this.downlinkLine.push(this.callerLegDueAt(), () => this.sendCaller(message));
  }

  /** When a message sent now leaves the far end's jitter buffer: the delay every on-time frame has. */
  private callerLegDueAt(): number {
    const { clock, callerLegDelayMs, jitterBufferMs } = this.env.options;
    return clock.now() + callerLegDelayMs + jitterBufferMs;
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
