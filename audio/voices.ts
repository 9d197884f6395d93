import { createHash } from 'node:crypto';

import type { Role } from './library.js';

/** eSpeak NG settings for one utterance. */
export interface VoiceSettings {
  /** Voice name, as passed to `espeak-ng -v`. */
  voice: string;
  /** Speech rate in words per minute (`espeak-ng -s`). */
  rate: number;
  /** Pitch from 0 to 99 (`espeak-ng -p`). */
  pitch: number;
}

/** The caller speaks with eSpeak NG's defaults for American English. */
export const CALLER_VOICE: Readonly<VoiceSettings> = Object.freeze({ voice: 'en-us', rate: 175, pitch: 50 });
/** The agent speaks British English with eSpeak NG's female variant f3, so the two sides are easy to tell apart. */
export const AGENT_VOICE = 'en-gb+f3';
/** Agent speech rate range in words per minute, both ends included. */
export const AGENT_RATE_WPM = Object.freeze({ min: 150, max: 190 });
/** Agent pitch range on eSpeak NG's 0..99 scale, both ends included. */
export const AGENT_PITCH = Object.freeze({ min: 35, max: 65 });

/** Returns the SHA-256 digest of the UTF-8 text. */
export function textDigest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/**
 * Picks the eSpeak NG settings for a normalized text. Agent rate and pitch
 * come from the text's SHA-256, so they vary by utterance but stay the same
 * across runs and machines.
 */
export function voiceFor(role: Role, text: string): VoiceSettings {
  if (role === 'caller') return { ...CALLER_VOICE };

  const digest = textDigest(text);
  const rate = AGENT_RATE_WPM.min + (digest.readUInt16BE(0) % (AGENT_RATE_WPM.max - AGENT_RATE_WPM.min + 1));
  const pitch = AGENT_PITCH.min + (digest.readUInt16BE(2) % (AGENT_PITCH.max - AGENT_PITCH.min + 1));
  return { voice: AGENT_VOICE, rate, pitch };
}
