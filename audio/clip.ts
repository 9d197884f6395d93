import { FRAME_BYTES, SAMPLE_RATE, UsageError, VoiceLoadError } from '../core/index.js';
import { decodeMulaw, encodeMulaw, MULAW_SILENCE } from './codec.js';
import { classifyVoicedFrames, voicedOnsetMs } from './frames.js';
import type { Clip, Role } from './library.js';
import type { VadFactory } from './vad.js';
import type { VoiceSettings } from './voices.js';
import { decodeWavToPcm8k, readWavAsMulaw8k, speechBounds } from './wav.js';

/** Silence kept after the last frame above the speech threshold in a synthesized clip. */
export const TRAILING_SILENCE_MS = 100;
const SAMPLES_PER_MS = SAMPLE_RATE / 1000;

/**
 * Turns the WAV that eSpeak NG wrote into a clip: mu-law at 8 kHz, cut to
 * start at its first frame above the speech threshold and to end
 * TRAILING_SILENCE_MS after its last one. An agent clip also starts at its
 * voiced onset. Throws VoiceLoadError VL_TTS_FAILED when the audio contains no
 * speech.
 */
export function clipFromSynthesizedWav(role: Role, text: string, wav: Uint8Array, settings: VoiceSettings, vadFactory: VadFactory): Clip {
  const failed = (problem: string) =>
    new VoiceLoadError('VL_TTS_FAILED', `${problem} for the ${role} text "${text}"`, `check that \`espeak-ng -v ${settings.voice}\` speaks this text`);

  let mulaw = trimSilence(encodeMulaw(decodeWavToPcm8k(wav, 'written by espeak-ng')));
  if (mulaw === undefined) throw failed('espeak-ng produced only silence');
  if (role === 'agent') mulaw = startAtVoicedOnset(mulaw, vadFactory);

  const clip = measureClip(role, text, mulaw, vadFactory);
  if (clip === undefined) throw failed('the WebRTC VAD finds no speech');
  return clip;
}

/**
 * Builds a clip from the bytes of a user's WAV file, kept as recorded apart
 * from padding to whole 20 ms frames. `text` is the library key. Throws
 * UsageError VL_WAV_INVALID for a file that cannot be decoded and
 * VL_WAV_NO_SPEECH when no frame is above the speech threshold or the
 * WebRTC VAD finds no voiced onset.
 */
export function clipFromWavBytes(role: Role, text: string, bytes: Uint8Array, source: string, vadFactory: VadFactory): Clip {
  const mulaw = padToFrames(readWavAsMulaw8k(bytes, source));
  const bounds = speechBounds(decodeMulaw(mulaw));
  if (bounds.speechEndMs === 0) {
    throw new UsageError('VL_WAV_NO_SPEECH', `no speech found in the WAV file ${source}: no 20 ms frame is above -45 dBFS`, 'record the utterance louder, or normalize it with `sox in.wav out.wav gain -n -3`');
  }

  const clip = measureClip(role, text, mulaw, vadFactory);
  if (clip === undefined) {
    throw new UsageError('VL_WAV_NO_SPEECH', `no speech found in the WAV file ${source}: the WebRTC VAD marks no 3 consecutive 20 ms frames as voiced`, 'use a recording of speech; agents ignore tones, music and noise');
  }
  return clip;
}

/**
 * Measures the speech bounds and voiced onset of mu-law audio in whole
 * frames. Returns undefined when the WebRTC VAD finds no voiced onset.
 */
export function measureClip(role: Role, text: string, mulaw: Uint8Array, vadFactory: VadFactory): Clip | undefined {
  // Bounds and onset are measured on the decoded mu-law, which is what a call sends.
  const bounds = speechBounds(decodeMulaw(mulaw));
  const onsetMs = voicedOnsetMs(classifyVoicedFrames(mulaw, vadFactory));
  if (onsetMs === undefined || bounds.speechEndMs === 0) return undefined;

  return {
    role,
    text,
    mulaw,
    durationMs: mulaw.length / SAMPLES_PER_MS,
    speechStartMs: bounds.speechStartMs,
    speechEndMs: bounds.speechEndMs,
    voicedOnsetMs: onsetMs,
  };
}

/**
 * Cuts the audio to start at its first frame above the speech threshold
 * and to end TRAILING_SILENCE_MS after its last one, padded with silence to
 * whole 20 ms frames. Returns undefined when no frame is above the threshold.
 */
function trimSilence(mulaw: Uint8Array): Uint8Array | undefined {
  const bounds = speechBounds(decodeMulaw(mulaw));
  if (bounds.speechEndMs === 0) return undefined;

  const start = bounds.speechStartMs * SAMPLES_PER_MS;
  const end = Math.min(mulaw.length, (bounds.speechEndMs + TRAILING_SILENCE_MS) * SAMPLES_PER_MS);
  return padToFrames(mulaw.subarray(start, end));
}

function padToFrames(mulaw: Uint8Array): Uint8Array {
  const frameCount = Math.ceil(mulaw.length / FRAME_BYTES);
  const padded = new Uint8Array(frameCount * FRAME_BYTES).fill(MULAW_SILENCE);
  padded.set(mulaw);
  return padded;
}

/**
 * Drops the frames before the VAD's voiced onset from an agent clip. The
 * caller measures the agent's onset with the same VAD, so an answer that
 * starts on a voiced frame puts the onset at the answer's first frame,
 * whatever state the caller's detector is in after earlier speech.
 */
function startAtVoicedOnset(mulaw: Uint8Array, vadFactory: VadFactory): Uint8Array {
  // Cutting frames changes what the detector saw first, so repeat until
  // the onset is the first frame; a few rounds are enough in practice.
  let clip = mulaw;
  for (let round = 0; round < 5; round++) {
    const onsetMs = voicedOnsetMs(classifyVoicedFrames(clip, vadFactory)) ?? 0;
    if (onsetMs === 0) break;
    clip = clip.slice(onsetMs * SAMPLES_PER_MS);
  }
  return clip;
}
