import type { DialMessage } from '../core/index.js';
import { DTMF_DIGIT } from './agent-messages.js';

/** A caller text message the switch acts on, or why it could not be used. */
export type CallerMessage =
  | { kind: 'dial'; dial: DialMessage }
  | { kind: 'hangup' }
  | { kind: 'dtmf'; digit: string }
  | { kind: 'invalid'; warning: string };

/** Parses one text message from the caller leg. */
export function parseCallerText(text: string): CallerMessage {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { kind: 'invalid', warning: 'caller_invalid_json' };
  }
  if (typeof parsed !== 'object' || parsed === null) return { kind: 'invalid', warning: 'caller_invalid_json' };

  const message = parsed as Record<string, unknown>;
  if (message['event'] === 'hangup') return { kind: 'hangup' };
  if (message['event'] === 'dtmf') return parseDtmf(message);
  if (message['event'] !== 'dial') return { kind: 'invalid', warning: 'caller_unknown_event' };
  return parseDial(message);
}

function parseDial(message: Record<string, unknown>): CallerMessage {
  const { callId, number, parameters = {} } = message;
  if (typeof callId !== 'string' || typeof number !== 'string') return { kind: 'invalid', warning: 'caller_invalid_dial' };
  if (!isStringRecord(parameters)) return { kind: 'invalid', warning: 'caller_invalid_dial' };
  return { kind: 'dial', dial: { event: 'dial', callId, number, parameters } };
}

function parseDtmf(message: Record<string, unknown>): CallerMessage {
  const digit = message['digit'];
  if (typeof digit !== 'string' || !DTMF_DIGIT.test(digit)) return { kind: 'invalid', warning: 'caller_invalid_dtmf' };
  return { kind: 'dtmf', digit };
}

function isStringRecord(value: unknown): value is Record<string, string> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  return Object.values(value).every((entry) => typeof entry === 'string');
}
