import wavefilePkg from 'wavefile';

import { FRAME_BYTES, FRAME_MS, SAMPLE_RATE, UsageError } from '../core/index.js';
import { encodeMulaw, levelDbfs } from './codec.js';

// wavefile is CommonJS: its named export type-checks but is undefined at run time.
const { WaveFile } = wavefilePkg;
type WaveFileInstance = InstanceType<typeof WaveFile>;

/** A 20 ms frame counts as speech when its RMS level is above this (dBFS). */
export const SPEECH_THRESHOLD_DBFS = -45;

/** WAV `audioFormat` codes that decodeWavToPcm8k accepts. */
const SUPPORTED_FORMATS: ReadonlyMap<number, string> = new Map([
  [1, 'PCM'],
  [3, 'IEEE float'],
  [6, 'A-law'],
  [7, 'mu-law'],
  [0x11, 'IMA ADPCM'],
  [0xfffe, 'WAVE_FORMAT_EXTENSIBLE with PCM samples'],
]);

/** First 32 bits of the KSDATAFORMAT_SUBTYPE_PCM GUID in a WAVE_FORMAT_EXTENSIBLE header. */
const EXTENSIBLE_SUBTYPE_PCM = 1;

export interface SpeechBounds {
  /** Start of the first 20 ms frame above SPEECH_THRESHOLD_DBFS, in ms from the first sample. */
  speechStartMs: number;
  /** End of the last 20 ms frame above SPEECH_THRESHOLD_DBFS, in ms from the first sample. */
  speechEndMs: number;
}

/**
 * Decodes a WAV file to mono 16-bit PCM at 8 kHz. Channels are averaged, and
 * compressed formats (mu-law, A-law, IMA ADPCM) are decoded first. Any other
 * sample rate goes through a zero-phase Butterworth low-pass at 4 kHz and
 * then wavefile's windowed-sinc interpolator, so content above 4 kHz does
 * not alias into the band.
 * Throws UsageError VL_WAV_INVALID for data wavefile cannot parse or a format
 * outside SUPPORTED_FORMATS.
 */
export function decodeWavToPcm8k(buffer: Uint8Array): Int16Array {
  const wav = parseWav(buffer);
  const mono = downmixToInt16(wav);
  const sampleRate = (wav.fmt as { sampleRate: number }).sampleRate;
  return sampleRate === SAMPLE_RATE ? mono : resampleTo8k(mono, sampleRate);
}

/** Decodes a WAV file to mono mu-law at 8 kHz, as decodeWavToPcm8k describes. */
export function decodeWavToMulaw8k(buffer: Uint8Array): Uint8Array {
  return encodeMulaw(decodeWavToPcm8k(buffer));
}

/**
 * Returns the bytes of a mono 8 kHz mu-law WAV (format 7) as they are stored,
 * or decodes and converts any other WAV with decodeWavToMulaw8k.
 */
export function readWavAsMulaw8k(buffer: Uint8Array): Uint8Array {
  const wav = parseWav(buffer);
  const fmt = wav.fmt as { audioFormat: number; numChannels: number; sampleRate: number };
  if (fmt.audioFormat === 7 && fmt.numChannels === 1 && fmt.sampleRate === SAMPLE_RATE) {
    return Uint8Array.from((wav.data as { samples: Uint8Array }).samples);
  }
  return decodeWavToMulaw8k(buffer);
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

function parseWav(buffer: Uint8Array): WaveFileInstance {
  let wav: WaveFileInstance;
  try {
    wav = new WaveFile(buffer);
  } catch (err) {
    throw new UsageError('VL_WAV_INVALID', `invalid WAV data: ${(err as Error).message}`, 'use a RIFF/WAVE file with PCM, float, mu-law or A-law samples');
  }

  const fmt = wav.fmt as { audioFormat: number; numChannels: number; sampleRate: number; subformat: number[] };
  // wavefile reads an extensible header's samples as integer PCM whatever
  // sub-format its GUID names, so only the PCM sub-format decodes correctly.
  const extensibleSubtype = fmt.audioFormat === 0xfffe ? fmt.subformat[0] : EXTENSIBLE_SUBTYPE_PCM;
  if (!SUPPORTED_FORMATS.has(fmt.audioFormat) || extensibleSubtype !== EXTENSIBLE_SUBTYPE_PCM) {
    const known = [...SUPPORTED_FORMATS.values()].join(', ');
    const subtype = fmt.audioFormat === 0xfffe ? ` with sub-format ${extensibleSubtype}` : '';
    throw new UsageError('VL_WAV_INVALID', `unsupported WAV audio format 0x${fmt.audioFormat.toString(16)}${subtype}`, `convert the file to one of: ${known}`);
  }
  if (fmt.numChannels < 1 || fmt.sampleRate < 1) {
    throw new UsageError('VL_WAV_INVALID', `invalid WAV header: ${fmt.numChannels} channels at ${fmt.sampleRate} Hz`, 'check that the file is a complete WAV file');
  }
  return wav;
}

/** Converts the file to 16-bit in place and returns the mean of its channels. */
function downmixToInt16(wav: WaveFileInstance): Int16Array {
  if (wav.bitDepth === '8m') wav.fromMuLaw();
  else if (wav.bitDepth === '8a') wav.fromALaw();
  else if (wav.bitDepth === '4') wav.fromIMAADPCM();
  if (wav.bitDepth !== '16') wav.toBitDepth('16');

  const decoded = wav.getSamples(false, Int16Array) as unknown as Int16Array | Int16Array[];
  if (!Array.isArray(decoded)) return decoded;

  const channels = decoded;
  const length = channels[0]?.length ?? 0;
  const mono = new Int16Array(length);
  for (let i = 0; i < length; i++) {
    let sum = 0;
    for (const channel of channels) sum += channel[i]!;
    mono[i] = Math.round(sum / channels.length);
  }
  return mono;
}

function resampleTo8k(pcm: Int16Array, sampleRate: number): Int16Array {
  const wav = new WaveFile();
  wav.fromScratch(1, sampleRate, '16', pcm);
  // wavefile clamps the filtered samples to the 16-bit range when it stores them.
  wav.toSampleRate(SAMPLE_RATE, { method: 'sinc', LPF: true });
  return wav.getSamples(false, Int16Array) as unknown as Int16Array;
}
