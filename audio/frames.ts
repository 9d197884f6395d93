import { FRAME_BYTES, FRAME_MS } from '../core/index.js';
import { decodeMulaw, MULAW_SILENCE } from './codec.js';
import type { VadFactory } from './vad.js';

/**
 * Frames of digital silence a fresh detector hears before a clip (500 ms),
 * as the caller's detector hears the silent line before the agent speaks.
 */
export const VAD_LEAD_IN_FRAMES = 25;

/** Consecutive voiced frames that mark the onset of speech. */
export const ONSET_VOICED_FRAMES = 3;

/**
 * Splits mu-law audio into 20 ms frames of 160 bytes. Full frames are views
 * into `mulaw`, and a short last frame is a copy padded with MULAW_SILENCE.
 */
export function framesOf(mulaw: Uint8Array): Uint8Array[] {
  const frames: Uint8Array[] = [];
  for (let offset = 0; offset < mulaw.length; offset += FRAME_BYTES) {
    const frame = mulaw.subarray(offset, offset + FRAME_BYTES);
    if (frame.length === FRAME_BYTES) {
      frames.push(frame);
    } else {
      const padded = new Uint8Array(FRAME_BYTES).fill(MULAW_SILENCE);
      padded.set(frame);
      frames.push(padded);
    }
  }
  return frames;
}

/**
 * Classifies each 20 ms frame of mu-law audio with a new WebRTC VAD that
 * first hears VAD_LEAD_IN_FRAMES of digital silence. Returns one flag per
 * frame of `mulaw`, true where the frame is voiced.
 */
export function classifyVoicedFrames(mulaw: Uint8Array, vadFactory: VadFactory): boolean[] {
  const vad = vadFactory.create();
  try {
    const silence = new Int16Array(FRAME_BYTES);
    for (let i = 0; i < VAD_LEAD_IN_FRAMES; i++) vad.isVoiced(silence);

    const pcm = new Int16Array(FRAME_BYTES);
    return framesOf(mulaw).map((frame) => vad.isVoiced(decodeMulaw(frame, pcm)));
  } finally {
    vad.free();
  }
}

/**
 * Returns the start, in ms, of the first run of ONSET_VOICED_FRAMES voiced
 * frames, or undefined when there is no such run.
 */
export function voicedOnsetMs(voiced: readonly boolean[]): number | undefined {
  let run = 0;
  for (let frame = 0; frame < voiced.length; frame++) {
    run = voiced[frame] ? run + 1 : 0;
    if (run === ONSET_VOICED_FRAMES) return (frame - ONSET_VOICED_FRAMES + 1) * FRAME_MS;
  }
  return undefined;
}
