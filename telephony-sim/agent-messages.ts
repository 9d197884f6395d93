import type { WireMessage } from '../core/index.js';

/** An agent message the switch acts on, or the kind of warning it raised. */
export type AgentMessage =
  | { kind: 'media'; audio: Buffer; warning?: string }
  | { kind: 'mark'; name: string }
  | { kind: 'clear' }
  | { kind: 'dtmf'; digit: string }
  | { kind: 'invalid'; warning: string };

/** DTMF events 0 to 15 of RFC 4733: the 16 keys of a full keypad. */
export const DTMF_DIGIT = /^[0-9*#A-D]$/;

/**
 * Parses one message from the agent leg. Invalid messages come back as a
 * warning kind (`binary_frame`, `invalid_json`, `unknown_event`,
 * `wrong_stream_sid`, `mark_without_name`, `invalid_base64`, `invalid_dtmf`, ...) so the
 * call can count them and go on.
 */
export function parseAgentMessage(message: WireMessage, streamSid: string): AgentMessage {
  if (typeof message !== 'string') return invalid('binary_frame');

  let parsed: unknown;
  try {
    parsed = JSON.parse(message);
  } catch {
    return invalid('invalid_json');
  }
  if (!isObject(parsed)) return invalid('invalid_json');
  if (typeof parsed['event'] !== 'string') return invalid('missing_event');
  if (parsed['streamSid'] !== streamSid) return invalid('wrong_stream_sid');

  switch (parsed['event']) {
    case 'media':
      return parseMedia(parsed);
    case 'mark':
      return parseMark(parsed);
    case 'clear':
      return { kind: 'clear' };
    case 'dtmf':
      return parseDtmf(parsed);
    default:
      return invalid('unknown_event');
  }
}

function parseMedia(message: Record<string, unknown>): AgentMessage {
  const media = message['media'];
  if (!isObject(media) || typeof media['payload'] !== 'string') return invalid('missing_payload');

  const audio = decodeBase64(media['payload']);
  if (audio === undefined) return invalid('invalid_base64');
  if (audio.length === 0) return invalid('empty_payload');
  // Played as it is, as a carrier would play it, but a WAV header means the
  // agent sent a file where raw mu-law was expected.
  if (hasWavHeader(audio)) return { kind: 'media', audio, warning: 'wav_header_in_payload' };
  return { kind: 'media', audio };
}

function parseMark(message: Record<string, unknown>): AgentMessage {
  const mark = message['mark'];
  if (!isObject(mark) || typeof mark['name'] !== 'string' || mark['name'] === '') return invalid('mark_without_name');
  return { kind: 'mark', name: mark['name'] };
}

function parseDtmf(message: Record<string, unknown>): AgentMessage {
  const dtmf = message['dtmf'];
  if (!isObject(dtmf) || typeof dtmf['digit'] !== 'string' || !DTMF_DIGIT.test(dtmf['digit'])) return invalid('invalid_dtmf');
  return { kind: 'dtmf', digit: dtmf['digit'] };
}

/**
 * Decodes standard base64 with padding, or returns undefined when `text`
 * is not exactly that. Node 20's decoder skips characters outside the
 * alphabet and stops at the first `=`, so such characters leave the decoded
 * length short of what the text's length implies. The decoder also takes
 * the URL-safe `-` and `_`, so those are rejected first. This is as strict
 * as the pattern /^[A-Za-z0-9+/]*={0,2}$/ on a length that is a multiple
 * of 4, and about twice as fast on a frame's payload.
 */
function decodeBase64(text: string): Buffer | undefined {
  if (text.length % 4 !== 0 || text.includes('-') || text.includes('_')) return undefined;
  const bytes = Buffer.from(text, 'base64');
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  return bytes.length === (text.length / 4) * 3 - padding ? bytes : undefined;
}

function hasWavHeader(audio: Buffer): boolean {
  return audio.length >= 12 && audio.toString('latin1', 0, 4) === 'RIFF' && audio.toString('latin1', 8, 12) === 'WAVE';
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function invalid(warning: string): AgentMessage {
  return { kind: 'invalid', warning };
}
