import { UsageError } from '../core/index.js';

/** WAV format tags (the `wFormatTag` field of the fmt chunk) that this module decodes. */
export const WAV_FORMAT = Object.freeze({
  pcm: 0x0001,
  float: 0x0003,
  alaw: 0x0006,
  mulaw: 0x0007,
  imaAdpcm: 0x0011,
  extensible: 0xfffe,
});

/** Names of common tags that are not decoded, so an error can name the file's encoding. */
const OTHER_FORMAT_NAMES: ReadonlyMap<number, string> = new Map([
  [0x0002, 'Microsoft ADPCM'],
  [0x0031, 'GSM 6.10'],
  [0x0040, 'G.721 ADPCM'],
  [0x0050, 'MPEG audio'],
  [0x0055, 'MPEG Layer 3'],
  [0x0161, 'Windows Media Audio'],
  [0x1610, 'AAC'],
  [0xf1ac, 'FLAC'],
]);

/**
 * Bytes 2 to 15 of every KSDATAFORMAT_SUBTYPE GUID that wraps a plain format
 * tag, {0000xxxx-0000-0010-8000-00AA00389B71}, as they are stored in a file.
 * Bytes 0 and 1 hold the tag.
 */
const SUBTYPE_GUID_TAIL = [0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71];

/** The fields of a fmt chunk that decoding needs. */
export interface WavFormat {
  /** The format tag, with WAVE_FORMAT_EXTENSIBLE replaced by the tag of its sub-format GUID. */
  formatTag: number;
  channels: number;
  sampleRate: number;
  /** Bytes per sample frame (all channels), as stored in the fmt chunk. */
  blockAlign: number;
  bitsPerSample: number;
}

/** A WAV file split into its fmt and data chunks. */
export interface RiffWave {
  format: WavFormat;
  /** The fmt chunk body as stored. */
  fmtChunk: Uint8Array;
  /** The data chunk body, cut to the bytes present in the file. */
  data: Uint8Array;
}

export const WAV_CONVERT_HINT = 'convert it with `sox in.wav -r 8000 -c 1 -e mu-law out.wav`';

/** Builds the VL_WAV_INVALID error for `source`, a file name or a description of the bytes. */
export function invalidWav(source: string, problem: string, hint = WAV_CONVERT_HINT): UsageError {
  return new UsageError('VL_WAV_INVALID', `invalid WAV file ${source}: ${problem}`, hint);
}

/**
 * Walks the RIFF chunks of a WAV file and returns its first fmt and data
 * chunks. Unknown chunks (LIST, fact, cue and others) are skipped, and an
 * odd-sized chunk is followed by one pad byte, as RIFF requires.
 * The RIFF size is ignored because streaming writers leave a placeholder
 * there. A data chunk whose size runs past the end of the file is cut to
 * the bytes present. Throws UsageError VL_WAV_INVALID.
 */
export function readRiffWave(bytes: Uint8Array, source: string): RiffWave {
  checkRiffHeader(bytes, source);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let fmtChunk: Uint8Array | undefined;
  let data: Uint8Array | undefined;

  let offset = 12;
  while (offset + 8 <= bytes.length) {
    const id = fourCc(bytes, offset);
    const size = view.getUint32(offset + 4, true);
    const bodyStart = offset + 8;
    const available = bytes.length - bodyStart;

    if (id === 'fmt ' && fmtChunk === undefined) {
      if (size > available) throw invalidWav(source, `the fmt chunk claims ${size} bytes but only ${available} remain`, 'the file is truncated: export it again');
      fmtChunk = bytes.subarray(bodyStart, bodyStart + size);
    } else if (id === 'data' && data === undefined) {
      data = bytes.subarray(bodyStart, bodyStart + dataLength(bytes, bodyStart, size, available));
    }

    if (size > available) break;
    offset = bodyStart + size + (size % 2);
  }

  if (fmtChunk === undefined) throw invalidWav(source, 'it has no fmt chunk');
  if (data === undefined) throw invalidWav(source, 'it has no data chunk');
  return { format: parseFormat(fmtChunk, source), fmtChunk, data };
}

/** Returns the name of a format tag for messages, such as `85 (0x0055, MPEG Layer 3)`. */
export function describeFormatTag(tag: number): string {
  const name = OTHER_FORMAT_NAMES.get(tag);
  return `${tag} (0x${tag.toString(16).padStart(4, '0')}${name ? `, ${name}` : ''})`;
}

function checkRiffHeader(bytes: Uint8Array, source: string): void {
  if (bytes.length < 12) throw invalidWav(source, `it is ${bytes.length} bytes long, too short for a RIFF header`);

  const container = fourCc(bytes, 0);
  if (container === 'RIFX') throw invalidWav(source, 'it is a big-endian RIFX file, which is not supported');
  // RF64 is RIFF with 64-bit sizes in a ds64 chunk; its 32-bit sizes are
  // placeholders, which the data chunk rule below already handles.
  if ((container !== 'RIFF' && container !== 'RF64') || fourCc(bytes, 8) !== 'WAVE') {
    throw invalidWav(source, 'it is not a RIFF/WAVE file (the first 12 bytes are not "RIFF", a size and "WAVE")');
  }
}

/**
 * Returns the length of the data chunk body. Writers that cannot seek back
 * to fix the header leave a size that is too large (`espeak-ng --stdout`
 * writes 0x7FFFF000, a pipe from ffmpeg 0xFFFFFFFF) or 0, and then the
 * samples run to the end of the file.
 */
function dataLength(bytes: Uint8Array, bodyStart: number, size: number, available: number): number {
  if (size > available) return available;
  if (size === 0 && available > 0 && !looksLikeChunkHeader(bytes, bodyStart)) return available;
  return size;
}

function looksLikeChunkHeader(bytes: Uint8Array, offset: number): boolean {
  if (offset + 8 > bytes.length) return false;
  for (let i = offset; i < offset + 4; i++) {
    if (bytes[i]! < 0x20 || bytes[i]! > 0x7e) return false;
  }
  return true;
}

function parseFormat(fmt: Uint8Array, source: string): WavFormat {
  if (fmt.length < 16) throw invalidWav(source, `the fmt chunk is ${fmt.length} bytes, expected at least 16`);
  const view = new DataView(fmt.buffer, fmt.byteOffset, fmt.byteLength);
  const format: WavFormat = {
    formatTag: view.getUint16(0, true),
    channels: view.getUint16(2, true),
    sampleRate: view.getUint32(4, true),
    blockAlign: view.getUint16(12, true),
    bitsPerSample: view.getUint16(14, true),
  };

  if (format.formatTag === WAV_FORMAT.extensible) format.formatTag = extensibleSubFormat(fmt, source);
  if (format.channels === 0) throw invalidWav(source, 'the fmt chunk gives 0 channels');
  if (format.sampleRate === 0) throw invalidWav(source, 'the fmt chunk gives a sample rate of 0 Hz');
  checkSampleSize(format, source);
  return format;
}

/** Returns the format tag that the sub-format GUID of a WAVE_FORMAT_EXTENSIBLE header wraps. */
function extensibleSubFormat(fmt: Uint8Array, source: string): number {
  if (fmt.length < 40) throw invalidWav(source, `its WAVE_FORMAT_EXTENSIBLE fmt chunk is ${fmt.length} bytes, expected 40`);

  const guid = fmt.subarray(24, 40);
  if (SUBTYPE_GUID_TAIL.some((byte, i) => guid[i + 2] !== byte)) {
    throw invalidWav(source, `unsupported WAVE_FORMAT_EXTENSIBLE sub-format GUID ${formatGuid(guid)}`);
  }
  return guid[0]! | (guid[1]! << 8);
}

function checkSampleSize(format: WavFormat, source: string): void {
  const { formatTag, bitsPerSample, channels } = format;
  const unsupported = (what: string) => invalidWav(source, what);

  switch (formatTag) {
    case WAV_FORMAT.pcm:
      if (bitsPerSample < 1 || bitsPerSample > 32) throw unsupported(`unsupported PCM sample size of ${bitsPerSample} bits (1 to 32 are supported)`);
      return;
    case WAV_FORMAT.float:
      if (bitsPerSample !== 32 && bitsPerSample !== 64) throw unsupported(`unsupported IEEE float sample size of ${bitsPerSample} bits (32 and 64 are supported)`);
      return;
    case WAV_FORMAT.alaw:
    case WAV_FORMAT.mulaw:
      if (bitsPerSample !== 8) throw unsupported(`unsupported ${formatTag === WAV_FORMAT.alaw ? 'A-law' : 'mu-law'} sample size of ${bitsPerSample} bits (8 is supported)`);
      return;
    case WAV_FORMAT.imaAdpcm:
      if (bitsPerSample !== 4 || channels !== 1) throw unsupported(`unsupported IMA ADPCM with ${bitsPerSample} bits and ${channels} channels (4-bit mono is supported)`);
      // Each block starts with a 4-byte header per channel.
      if (format.blockAlign < 4) throw unsupported(`the IMA ADPCM block size is ${format.blockAlign} bytes, expected at least 4`);
      return;
    default:
      throw unsupported(`unsupported format tag ${describeFormatTag(formatTag)}; supported are PCM, IEEE float, A-law, mu-law, IMA ADPCM and WAVE_FORMAT_EXTENSIBLE with PCM or float`);
  }
}

function fourCc(bytes: Uint8Array, offset: number): string {
  return String.fromCharCode(bytes[offset]!, bytes[offset + 1]!, bytes[offset + 2]!, bytes[offset + 3]!);
}

/** Formats a GUID stored in Microsoft's mixed-endian layout as {XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}. */
function formatGuid(guid: Uint8Array): string {
  const hex = (from: number, to: number, reverse: boolean) => {
    const part = [...guid.subarray(from, to)];
    if (reverse) part.reverse();
    return part.map((byte) => byte.toString(16).padStart(2, '0')).join('');
  };
  return `{${hex(0, 4, true)}-${hex(4, 6, true)}-${hex(6, 8, true)}-${hex(8, 10, false)}-${hex(10, 16, false)}}`.toUpperCase();
}
