import wavefilePkg from 'wavefile';

import { FRAME_BYTES, FRAME_MS, SAMPLE_RATE } from '../core/index.js';
import { encodeMulaw, levelDbfs } from './codec.js';
import { invalidWav, readRiffWave, WAV_FORMAT } from './riff.js';
import { containerBytes, decodeMonoPcm } from './wav-samples.js';

// wavefile is CommonJS: its named export type-checks but is undefined at run time.
const { WaveFile } = wavefilePkg;

/** A 20 ms frame counts as speech when its RMS level is above this (dBFS). */
export const SPEECH_THRESHOLD_DBFS = -45;

export interface SpeechBounds {
  /** Start of the first 20 ms frame above SPEECH_THRESHOLD_DBFS, in ms from the first sample. */
  speechStartMs: number;
  /** End of the last 20 ms frame above SPEECH_THRESHOLD_DBFS, in ms from the first sample. */
  speechEndMs: number;
}

/**
 * Decodes a WAV file to mono 16-bit PCM at 8 kHz. readRiffWave lists the
 * layouts and formats accepted. Channels are averaged, and mu-law and
 * A-law are decoded first. Any other sample rate goes through wavefile's
 * resampler: a 4 kHz Butterworth low-pass run forwards and backwards (so
 * zero-phase), then windowed-sinc interpolation, so content above 4 kHz
 * does not alias into the band.
 * `source` names the file in errors. Throws UsageError VL_WAV_INVALID.
 */
export function decodeWavToPcm8k(buffer: Uint8Array, source = 'data'): Int16Array {
  const wave = readRiffWave(buffer, source);
  const mono = decodeMonoPcm(wave, source);
  if (mono.length === 0) throw invalidWav(source, 'its data chunk holds no complete sample frame');
  return wave.format.sampleRate === SAMPLE_RATE ? mono : resampleTo8k(mono, wave.format.sampleRate);
}

/** Decodes a WAV file to mono mu-law at 8 kHz, as decodeWavToPcm8k describes. */
export function decodeWavToMulaw8k(buffer: Uint8Array, source = 'data'): Uint8Array {
  return encodeMulaw(decodeWavToPcm8k(buffer, source));
}

/**
 * Returns the samples of a mono 8 kHz mu-law WAV as they are stored, with
 * no decode and encode round, or converts any other WAV with
 * decodeWavToMulaw8k.
 */
export function readWavAsMulaw8k(buffer: Uint8Array, source = 'data'): Uint8Array {
  const wave = readRiffWave(buffer, source);
  const { formatTag, channels, sampleRate } = wave.format;
  if (formatTag === WAV_FORMAT.mulaw && channels === 1 && sampleRate === SAMPLE_RATE && containerBytes(wave.format) === 1) {
    if (wave.data.length === 0) throw invalidWav(source, 'its data chunk holds no complete sample frame');
    return Uint8Array.from(wave.data);
  }
  return decodeWavToMulaw8k(buffer, source);
}

/** Builds a mono 8 kHz mu-law WAV file (format 7) around mu-law bytes. */
export function encodeMulawWav(mulaw: Uint8Array): Uint8Array {
  const wav = new WaveFile();
  wav.fromScratch(1, SAMPLE_RATE, '8m', mulaw);
  return wav.toBuffer();
}

/**
 * Finds where speech starts and ends in 8 kHz PCM, on the 20 ms frame grid
 * that starts at the first sample. A short last frame is measured over the
 * samples it has. Returns 0 for both bounds when no frame is above
 * SPEECH_THRESHOLD_DBFS.
 */
export function speechBounds(pcm: Int16Array): SpeechBounds {
  let firstFrame = -1;
  let lastFrame = -1;
  const frameCount = Math.ceil(pcm.length / FRAME_BYTES);

  for (let frame = 0; frame < frameCount; frame++) {
    const samples = pcm.subarray(frame * FRAME_BYTES, (frame + 1) * FRAME_BYTES);
    if (levelDbfs(samples) > SPEECH_THRESHOLD_DBFS) {
      if (firstFrame < 0) firstFrame = frame;
      lastFrame = frame;
    }
  }

  if (firstFrame < 0) return { speechStartMs: 0, speechEndMs: 0 };
  return { speechStartMs: firstFrame * FRAME_MS, speechEndMs: (lastFrame + 1) * FRAME_MS };
}

function resampleTo8k(pcm: Int16Array, sampleRate: number): Int16Array {
  const wav = new WaveFile();
  wav.fromScratch(1, sampleRate, '16', pcm);
  // wavefile clamps the filtered samples to the 16-bit range when it stores them.
  wav.toSampleRate(SAMPLE_RATE, { method: 'sinc', LPF: true });
  return wav.getSamples(false, Int16Array) as unknown as Int16Array;
}
