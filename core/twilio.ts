/**
 * Twilio Media Streams messages on the agent leg (bidirectional stream).
 * Counters (`sequenceNumber`, `chunk`, `timestamp`) are decimal strings, as
 * Twilio sends them. Audio is base64 mu-law, 8 kHz, mono.
 */

export const MEDIA_FORMAT = { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 } as const;

export interface ConnectedEvent {
  event: 'connected';
  protocol: 'Call';
  version: string;
}

export interface StartEvent {
  event: 'start';
  sequenceNumber: string;
  streamSid: string;
  start: {
    accountSid: string;
    streamSid: string;
    callSid: string;
    tracks: string[];
    customParameters: Record<string, string>;
    mediaFormat: { encoding: string; sampleRate: number; channels: number };
  };
}

export interface InboundMediaEvent {
  event: 'media';
  sequenceNumber: string;
  streamSid: string;
  media: {
    track: 'inbound';
    /** Frame counter from 1. */
    chunk: string;
    /** ms since the stream started. */
    timestamp: string;
    payload: string;
  };
}

export interface MarkEvent {
  event: 'mark';
  sequenceNumber?: string;
  streamSid: string;
  mark: { name: string };
}

export interface DtmfEvent {
  event: 'dtmf';
  sequenceNumber?: string;
  streamSid: string;
  dtmf: { track?: string; digit: string };
}

export interface StopEvent {
  event: 'stop';
  sequenceNumber: string;
  streamSid: string;
  stop: { accountSid: string; callSid: string };
}

/** Agent to switch: audio to play to the caller; any length. */
export interface OutboundMediaEvent {
  event: 'media';
  streamSid: string;
  media: { payload: string };
}

export interface ClearEvent {
  event: 'clear';
  streamSid: string;
}

export type SwitchToAgent = ConnectedEvent | StartEvent | InboundMediaEvent | MarkEvent | DtmfEvent | StopEvent;
export type AgentToSwitch = OutboundMediaEvent | MarkEvent | ClearEvent | DtmfEvent;
