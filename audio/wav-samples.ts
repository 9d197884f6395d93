import alawmulaw from 'alawmulaw';
import wavefilePkg from 'wavefile';

import { invalidWav, WAV_FORMAT, type RiffWave, type WavFormat } from './riff.js';

// wavefile is CommonJS: its named export type-checks but is undefined at run time.
const { WaveFile } = wavefilePkg;

/** Reads one sample at a byte offset and returns it scaled to [-1, 1]. */
type SampleReader = (view: DataView, offset: number) => number;

const MULAW_TO_FLOAT = Float64Array.from({ length: 256 }, (_, byte) => alawmulaw.mulaw.decodeSample(byte) / 32768);
const ALAW_TO_FLOAT = Float64Array.from({ length: 256 }, (_, byte) => alawmulaw.alaw.decodeSample(byte) / 32768);

/**
 * Decodes the data chunk to mono 16-bit PCM at the file's own sample rate.
 * Channels are averaged before the one rounding to 16 bits. Float samples
 * outside [-1, 1] are clipped, and NaN reads as 0. A partial sample frame at
 * the end of a truncated file is dropped.
 */
export function decodeMonoPcm(wave: RiffWave, source: string): Int16Array {
  if (wave.format.formatTag === WAV_FORMAT.imaAdpcm) return decodeImaAdpcm(wave, source);

  const { channels } = wave.format;
  const sampleBytes = containerBytes(wave.format);
  const frameBytes = sampleBytes * channels;
  const frameCount = Math.floor(wave.data.length / frameBytes);
  const read = sampleReader(wave.format, sampleBytes);
  const view = new DataView(wave.data.buffer, wave.data.byteOffset, wave.data.byteLength);

  const mono = new Int16Array(frameCount);
  for (let frame = 0; frame < frameCount; frame++) {
    let sum = 0;
    for (let channel = 0; channel < channels; channel++) sum += read(view, frame * frameBytes + channel * sampleBytes);
    mono[frame] = toInt16(sum / channels);
  }
  return mono;
}

/**
 * Returns the bytes each sample occupies. Most files give this through
 * blockAlign. A blockAlign that cannot hold the samples, or does not split
 * evenly across the channels, is ignored in favour of bitsPerSample.
 */
export function containerBytes(format: WavFormat): number {
  const minimum = Math.ceil(format.bitsPerSample / 8);
  const fromBlockAlign = format.blockAlign / format.channels;
  const maximum = format.formatTag === WAV_FORMAT.float ? 8 : 4;
  if (Number.isInteger(fromBlockAlign) && fromBlockAlign >= minimum && fromBlockAlign <= maximum) return fromBlockAlign;
  return minimum;
}

function sampleReader(format: WavFormat, sampleBytes: number): SampleReader {
  switch (format.formatTag) {
    case WAV_FORMAT.mulaw:
      return (view, offset) => MULAW_TO_FLOAT[view.getUint8(offset)]!;
    case WAV_FORMAT.alaw:
      return (view, offset) => ALAW_TO_FLOAT[view.getUint8(offset)]!;
    case WAV_FORMAT.float:
      return sampleBytes === 8 ? (view, offset) => view.getFloat64(offset, true) : (view, offset) => view.getFloat32(offset, true);
    default:
      return pcmReader(sampleBytes);
  }
}

/**
 * Reads integer PCM. 8-bit samples are unsigned with 128 as zero, wider
 * ones are signed little-endian. Samples narrower than their container are
 * left-justified, so reading the whole container gives the right scale.
 */
function pcmReader(sampleBytes: number): SampleReader {
  switch (sampleBytes) {
    case 1:
      return (view, offset) => (view.getUint8(offset) - 128) / 128;
    case 2:
      return (view, offset) => view.getInt16(offset, true) / 32768;
    case 3:
      return (view, offset) => ((view.getUint8(offset + 2) << 24) | (view.getUint8(offset + 1) << 16) | (view.getUint8(offset) << 8)) / 2147483648;
    default:
      return (view, offset) => view.getInt32(offset, true) / 2147483648;
  }
}

function toInt16(value: number): number {
  if (Number.isNaN(value)) return 0;
  return Math.max(-32768, Math.min(32767, Math.round(value * 32768)));
}

/** Decodes mono IMA ADPCM with wavefile, given a clean header rebuilt around the two chunks. */
function decodeImaAdpcm(wave: RiffWave, source: string): Int16Array {
  const blocks = wave.data.subarray(0, wave.data.length - (wave.data.length % wave.format.blockAlign));
  const header = new Uint8Array(12 + 8 + wave.fmtChunk.length + 8);
  const view = new DataView(header.buffer);
  header.set([0x52, 0x49, 0x46, 0x46], 0); // RIFF
  view.setUint32(4, header.length - 8 + blocks.length, true);
  header.set([0x57, 0x41, 0x56, 0x45, 0x66, 0x6d, 0x74, 0x20], 8); // WAVE, fmt
  view.setUint32(16, wave.fmtChunk.length, true);
  header.set(wave.fmtChunk, 20);
  header.set([0x64, 0x61, 0x74, 0x61], 20 + wave.fmtChunk.length); // data
  view.setUint32(24 + wave.fmtChunk.length, blocks.length, true);

  const file = new Uint8Array(header.length + blocks.length);
  file.set(header);
  file.set(blocks, header.length);
  try {
    const wav = new WaveFile(file);
    wav.fromIMAADPCM();
    return wav.getSamples(false, Int16Array) as unknown as Int16Array;
  } catch (err) {
    throw invalidWav(source, `its IMA ADPCM data cannot be decoded: ${(err as Error).message}`);
  }
}
