import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import alawmulaw from 'alawmulaw';
import t from 'tap';
import wavefilePkg from 'wavefile';

import {
  clipFromWavBytes,
  decodeWavToPcm8k,
  levelDbfs,
  loadVad,
  readWavAsMulaw8k,
  readWavClip,
  wavClipText,
  type VadFactory,
} from '../audio/index.js';

const { WaveFile } = wavefilePkg;

/** Where the noise burst of every test signal starts and ends, in ms. */
const BURST_START_MS = 300;
const BURST_END_MS = 800;
const SIGNAL_MS = 1000;

type Encoding = 'pcm' | 'float' | 'mulaw' | 'alaw';

interface WavSpec {
  encoding: Encoding;
  sampleRate: number;
  /** Bits per stored sample (the container size). */
  bits: number;
  channels: number;
  /** Write a WAVE_FORMAT_EXTENSIBLE header whose sub-format GUID names the encoding. */
  extensible?: boolean;
}

interface Chunk {
  id: string;
  body: Uint8Array;
}

const FORMAT_TAGS: Record<Encoding, number> = { pcm: 1, float: 3, alaw: 6, mulaw: 7 };

/** Deterministic white noise in [-amplitude, amplitude] from a linear congruential generator. */
function noise(length: number, amplitude: number, seed = 1): Float64Array {
  const samples = new Float64Array(length);
  let state = seed;
  for (let i = 0; i < length; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    samples[i] = (state / 0xffffffff - 0.5) * 2 * amplitude;
  }
  return samples;
}

/** Returns one second of silence with a noise burst at half full scale from BURST_START_MS to BURST_END_MS. */
function burstSignal(sampleRate: number): Float64Array {
  const signal = new Float64Array((SIGNAL_MS * sampleRate) / 1000);
  const start = (BURST_START_MS * sampleRate) / 1000;
  signal.set(noise(((BURST_END_MS - BURST_START_MS) * sampleRate) / 1000, 0.5), start);
  return signal;
}

function toneSignal(sampleRate: number, frequencyHz: number, amplitude: number): Float64Array {
  return Float64Array.from({ length: sampleRate }, (_, i) => amplitude * Math.sin((2 * Math.PI * frequencyHz * i) / sampleRate));
}

/** Encodes one sample in [-1, 1] as the bytes of the given encoding. */
function writeSample(view: DataView, offset: number, value: number, encoding: Encoding, bits: number): void {
  const int16 = Math.max(-32768, Math.min(32767, Math.round(value * 32767)));
  if (encoding === 'mulaw') return view.setUint8(offset, alawmulaw.mulaw.encodeSample(int16));
  if (encoding === 'alaw') return view.setUint8(offset, alawmulaw.alaw.encodeSample(int16));
  if (encoding === 'float') return bits === 64 ? view.setFloat64(offset, value, true) : view.setFloat32(offset, value, true);

  if (bits === 8) return view.setUint8(offset, Math.round(value * 127) + 128);
  if (bits === 16) return view.setInt16(offset, int16, true);
  if (bits === 32) return view.setInt32(offset, Math.round(value * 2147483647), true);
  const int24 = Math.round(value * 8388607);
  view.setUint8(offset, int24 & 0xff);
  view.setUint8(offset + 1, (int24 >> 8) & 0xff);
  view.setUint8(offset + 2, (int24 >> 16) & 0xff);
}

/** Interleaves the channels into the bytes of a data chunk. */
function encodeData(spec: WavSpec, channels: Float64Array[]): Uint8Array {
  const sampleBytes = spec.bits / 8;
  const frames = channels[0]!.length;
  const data = new Uint8Array(frames * sampleBytes * spec.channels);
  const view = new DataView(data.buffer);
  for (let frame = 0; frame < frames; frame++) {
    for (let channel = 0; channel < spec.channels; channel++) {
      writeSample(view, (frame * spec.channels + channel) * sampleBytes, channels[channel]![frame]!, spec.encoding, spec.bits);
    }
  }
  return data;
}

function fmtChunk(spec: WavSpec): Chunk {
  const blockAlign = (spec.bits / 8) * spec.channels;
  const body = new Uint8Array(spec.extensible ? 40 : 16);
  const view = new DataView(body.buffer);
  view.setUint16(0, spec.extensible ? 0xfffe : FORMAT_TAGS[spec.encoding], true);
  view.setUint16(2, spec.channels, true);
  view.setUint32(4, spec.sampleRate, true);
  view.setUint32(8, spec.sampleRate * blockAlign, true);
  view.setUint16(12, blockAlign, true);
  view.setUint16(14, spec.bits, true);
  if (spec.extensible) {
    view.setUint16(16, 22, true);
    view.setUint16(18, spec.bits, true);
    view.setUint32(20, spec.channels === 2 ? 0x3 : 0x4, true);
    body.set(subFormatGuid(FORMAT_TAGS[spec.encoding]), 24);
  }
  return { id: 'fmt ', body };
}

/** KSDATAFORMAT_SUBTYPE GUID {0000xxxx-0000-0010-8000-00AA00389B71} in file byte order. */
function subFormatGuid(tag: number): Uint8Array {
  return Uint8Array.from([tag & 0xff, tag >> 8, 0, 0, 0, 0, 0x10, 0, 0x80, 0, 0, 0xaa, 0, 0x38, 0x9b, 0x71]);
}

function chunk(id: string, body: Uint8Array | number[]): Chunk {
  return { id, body: Uint8Array.from(body) };
}

/** Joins chunks into a RIFF/WAVE file, with a pad byte after each odd-sized chunk. */
function riff(chunks: Chunk[], sizes: { riff?: number; data?: number } = {}): Uint8Array {
  const parts: number[] = [];
  const pushU32 = (value: number) => parts.push(value & 0xff, (value >>> 8) & 0xff, (value >>> 16) & 0xff, (value >>> 24) & 0xff);
  const pushId = (id: string) => parts.push(...[...id].map((char) => char.charCodeAt(0)));

  for (const { id, body } of chunks) {
    pushId(id);
    pushU32(id === 'data' && sizes.data !== undefined ? sizes.data : body.length);
    for (const byte of body) parts.push(byte);
    if (body.length % 2 === 1) parts.push(0);
  }
  const file = new Uint8Array(12 + parts.length);
  const view = new DataView(file.buffer);
  file.set([0x52, 0x49, 0x46, 0x46], 0);
  view.setUint32(4, sizes.riff ?? 4 + parts.length, true);
  file.set([0x57, 0x41, 0x56, 0x45], 8);
  file.set(parts, 12);
  return file;
}

function wavOf(spec: WavSpec, channels: Float64Array[]): Uint8Array {
  return riff([fmtChunk(spec), { id: 'data', body: encodeData(spec, channels) }]);
}

function burstWav(spec: WavSpec): Uint8Array {
  const signal = burstSignal(spec.sampleRate);
  return wavOf(spec, Array.from({ length: spec.channels }, () => signal));
}

let vad: VadFactory;

t.before(async () => {
  vad = await loadVad();
});

const FORMAT_CASES: Array<[string, WavSpec]> = [
  ['16-bit 44.1 kHz stereo', { encoding: 'pcm', sampleRate: 44100, bits: 16, channels: 2 }],
  ['8-bit unsigned 22.05 kHz mono', { encoding: 'pcm', sampleRate: 22050, bits: 8, channels: 1 }],
  ['24-bit 48 kHz mono', { encoding: 'pcm', sampleRate: 48000, bits: 24, channels: 1 }],
  ['32-bit 96 kHz mono', { encoding: 'pcm', sampleRate: 96000, bits: 32, channels: 1 }],
  ['float32 16 kHz mono', { encoding: 'float', sampleRate: 16000, bits: 32, channels: 1 }],
  ['float64 11.025 kHz stereo', { encoding: 'float', sampleRate: 11025, bits: 64, channels: 2 }],
  ['extensible PCM 24-bit 48 kHz stereo', { encoding: 'pcm', sampleRate: 48000, bits: 24, channels: 2, extensible: true }],
  ['extensible float32 44.1 kHz mono', { encoding: 'float', sampleRate: 44100, bits: 32, channels: 1, extensible: true }],
  ['mu-law 8 kHz mono', { encoding: 'mulaw', sampleRate: 8000, bits: 8, channels: 1 }],
  ['mu-law 16 kHz mono', { encoding: 'mulaw', sampleRate: 16000, bits: 8, channels: 1 }],
  ['A-law 8 kHz stereo', { encoding: 'alaw', sampleRate: 8000, bits: 8, channels: 2 }],
  ['extensible A-law 16 kHz mono', { encoding: 'alaw', sampleRate: 16000, bits: 8, channels: 1, extensible: true }],
];

for (const [name, spec] of FORMAT_CASES) {
  t.test(`${name} burst decodes`, async (t) => {
    const clip = clipFromWavBytes('caller', 'burst', burstWav(spec), name, vad);
    t.ok(Math.abs(clip.durationMs - SIGNAL_MS) <= 20, `duration ${clip.durationMs} ms, expected ${SIGNAL_MS} ms within one frame`);
    t.ok(Math.abs(clip.speechStartMs - BURST_START_MS) <= 20, `speech starts at ${clip.speechStartMs} ms, expected ${BURST_START_MS} ms within one frame`);
    t.ok(Math.abs(clip.speechEndMs - BURST_END_MS) <= 20, `speech ends at ${clip.speechEndMs} ms, expected ${BURST_END_MS} ms within one frame`);
    t.ok(clip.voicedOnsetMs >= clip.speechStartMs && clip.voicedOnsetMs < clip.speechEndMs, `voiced onset ${clip.voicedOnsetMs} ms lies in the burst`);
    t.equal(clip.mulaw.length % 160, 0, 'whole 20 ms frames');
  });

  t.test(`${name} keeps the tone level`, async (t) => {
    // A 1 kHz tone at amplitude 0.25 has an RMS level of -15.05 dBFS.
    const tone = toneSignal(spec.sampleRate, 1000, 0.25);
    const pcm = decodeWavToPcm8k(wavOf(spec, Array.from({ length: spec.channels }, () => tone)), name);
    const level = levelDbfs(pcm.subarray(800, 7200));
    t.ok(Math.abs(level + 15.05) < 0.5, `level ${level.toFixed(2)} dBFS, expected -15.05 dBFS within 0.5 dB`);
  });
}

t.test('stereo channels are averaged', async (t) => {
  const spec: WavSpec = { encoding: 'pcm', sampleRate: 8000, bits: 16, channels: 2 };
  const left = toneSignal(8000, 1000, 0.5);
  const right = new Float64Array(8000);
  const level = levelDbfs(decodeWavToPcm8k(wavOf(spec, [left, right])));
  // Half of amplitude 0.5 is 0.25: -15.05 dBFS.
  t.ok(Math.abs(level + 15.05) < 0.5, `level ${level.toFixed(2)} dBFS, expected -15.05 dBFS`);
});

t.test('LIST before fmt and fact are skipped', async (t) => {
  const spec: WavSpec = { encoding: 'pcm', sampleRate: 16000, bits: 16, channels: 1 };
  const data = encodeData(spec, [burstSignal(16000)]);
  const info = chunk('LIST', [...'INFOISFT'].map((char) => char.charCodeAt(0)).concat([10, 0, 0, 0, ...[...'voiceload'].map((c) => c.charCodeAt(0)), 0]));
  const fact = chunk('fact', [0x80, 0x3e, 0, 0]);
  const clip = clipFromWavBytes('caller', 'x', riff([info, fmtChunk(spec), fact, { id: 'data', body: data }]), 'list.wav', vad);

  t.equal(clip.durationMs, SIGNAL_MS);
  t.equal(clip.speechEndMs, BURST_END_MS);
});

t.test('odd chunk pad byte is honoured', async (t) => {
  const spec: WavSpec = { encoding: 'pcm', sampleRate: 8000, bits: 16, channels: 1 };
  const odd = chunk('junk', [1, 2, 3]);
  const data = encodeData(spec, [burstSignal(8000)]);
  const pcm = decodeWavToPcm8k(riff([fmtChunk(spec), odd, { id: 'data', body: data }]), 'odd.wav');
  t.equal(pcm.length, 8000);
  t.same(pcm, decodeWavToPcm8k(wavOf(spec, [burstSignal(8000)])), 'samples match the file without the odd chunk');
});

t.test('odd data chunk before LIST', async (t) => {
  const spec: WavSpec = { encoding: 'pcm', sampleRate: 8000, bits: 8, channels: 1 };
  const signal = burstSignal(8000).subarray(0, 7999);
  const list = chunk('LIST', [...'INFO'].map((char) => char.charCodeAt(0)));
  const pcm = decodeWavToPcm8k(riff([fmtChunk(spec), { id: 'data', body: encodeData(spec, [signal]) }, list]), 'odd-data.wav');
  t.equal(pcm.length, 7999, 'the pad byte and LIST chunk are not samples');
});

t.test('bogus sizes from espeak-ng --stdout', async (t) => {
  const spec: WavSpec = { encoding: 'pcm', sampleRate: 22050, bits: 16, channels: 1 };
  const file = riff([fmtChunk(spec), { id: 'data', body: encodeData(spec, [burstSignal(22050)]) }], { riff: 0x7ffff024, data: 0x7ffff000 });
  const clip = clipFromWavBytes('caller', 'x', file, 'stdout.wav', vad);
  t.ok(Math.abs(clip.durationMs - SIGNAL_MS) <= 20, `duration ${clip.durationMs} ms, expected ${SIGNAL_MS} ms`);
  t.ok(Math.abs(clip.speechEndMs - BURST_END_MS) <= 20, `speech ends at ${clip.speechEndMs} ms, expected ${BURST_END_MS} ms`);
});

t.test('zero data size reads to the end', async (t) => {
  const spec: WavSpec = { encoding: 'pcm', sampleRate: 8000, bits: 16, channels: 1 };
  const file = riff([fmtChunk(spec), { id: 'data', body: encodeData(spec, [burstSignal(8000)]) }], { riff: 0, data: 0 });
  t.equal(decodeWavToPcm8k(file).length, 8000);
});

t.test('truncated file drops partial frame', async (t) => {
  const spec: WavSpec = { encoding: 'pcm', sampleRate: 8000, bits: 16, channels: 2 };
  const file = wavOf(spec, [burstSignal(8000), burstSignal(8000)]);
  t.equal(decodeWavToPcm8k(file.subarray(0, file.length - 3)).length, 7999);
});

t.test('mu-law 8 kHz bytes pass through', async (t) => {
  const spec: WavSpec = { encoding: 'mulaw', sampleRate: 8000, bits: 8, channels: 1 };
  const data = encodeData(spec, [burstSignal(8000)]);
  t.same(readWavAsMulaw8k(riff([fmtChunk(spec), { id: 'data', body: data }])), data);
});

t.test('IMA ADPCM still decodes', async (t) => {
  const wav = new WaveFile();
  wav.fromScratch(1, 8000, '16', Int16Array.from(burstSignal(8000), (value) => Math.round(value * 32767)));
  wav.toIMAADPCM();
  const clip = clipFromWavBytes('caller', 'x', wav.toBuffer(), 'adpcm.wav', vad);
  // The ADPCM step size stays large for a few ms after the burst, so the
  // decoded silence starts with noise: two frames of tolerance.
  t.ok(Math.abs(clip.speechEndMs - BURST_END_MS) <= 40, `speech ends at ${clip.speechEndMs} ms, expected ${BURST_END_MS} ms within two frames`);
});

t.test('WAV file clip has its key', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'voice-load-wav-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'hello.wav');
  writeFileSync(file, burstWav({ encoding: 'pcm', sampleRate: 16000, bits: 16, channels: 1 }));

  const clip = await readWavClip(file, 'caller', { transcript: ' Hello  there ', vad });
  t.equal(clip.text, `wav:${file}`);
  t.equal(clip.text, wavClipText('hello.wav', dir), 'a relative path gives the same key');
  t.equal(clip.sourcePath, file);
  t.equal(clip.transcript, 'Hello there');
});

/** Runs `action` and returns the error it throws. */
function thrown(action: () => unknown): { code?: string; message?: string; hint?: string } | undefined {
  try {
    action();
  } catch (err) {
    return err as { code?: string; message?: string; hint?: string };
  }
  return undefined;
}

const PCM16: WavSpec = { encoding: 'pcm', sampleRate: 8000, bits: 16, channels: 1 };
const pcmData = () => encodeData(PCM16, [burstSignal(8000)]);

const ERROR_CASES: Array<[string, () => Uint8Array, string]> = [
  ['not RIFF', () => new TextEncoder().encode('ID3 this is an MP3 file, not a WAV'), 'VL_WAV_INVALID'],
  ['too short', () => Uint8Array.from([0x52, 0x49, 0x46, 0x46]), 'VL_WAV_INVALID'],
  ['RIFF but not WAVE', () => { const file = riff([fmtChunk(PCM16)]); file.set([0x41, 0x56, 0x49, 0x20], 8); return file; }, 'VL_WAV_INVALID'],
  ['no fmt chunk', () => riff([{ id: 'data', body: pcmData() }]), 'VL_WAV_INVALID'],
  ['no data chunk', () => riff([fmtChunk(PCM16), chunk('LIST', [0, 0, 0, 0])]), 'VL_WAV_INVALID'],
  ['short fmt chunk', () => riff([chunk('fmt ', [1, 0, 1, 0]), { id: 'data', body: pcmData() }]), 'VL_WAV_INVALID'],
  ['MP3 format tag', () => { const fmt = fmtChunk(PCM16); fmt.body[0] = 0x55; return riff([fmt, { id: 'data', body: pcmData() }]); }, 'VL_WAV_INVALID'],
  ['zero channels', () => { const fmt = fmtChunk(PCM16); fmt.body[2] = 0; return riff([fmt, { id: 'data', body: pcmData() }]); }, 'VL_WAV_INVALID'],
  ['zero sample rate', () => { const fmt = fmtChunk(PCM16); fmt.body.fill(0, 4, 8); return riff([fmt, { id: 'data', body: pcmData() }]); }, 'VL_WAV_INVALID'],
  ['float of 16 bits', () => { const fmt = fmtChunk(PCM16); fmt.body[0] = 3; return riff([fmt, { id: 'data', body: pcmData() }]); }, 'VL_WAV_INVALID'],
  ['unknown extensible GUID', () => { const fmt = fmtChunk({ ...PCM16, extensible: true }); fmt.body[39] = 0; return riff([fmt, { id: 'data', body: pcmData() }]); }, 'VL_WAV_INVALID'],
  ['empty data chunk', () => riff([fmtChunk(PCM16), { id: 'data', body: new Uint8Array(0) }]), 'VL_WAV_INVALID'],
  ['digital silence', () => wavOf(PCM16, [new Float64Array(8000)]), 'VL_WAV_NO_SPEECH'],
  ['cancelling stereo channels', () => { const signal = burstSignal(8000); return wavOf({ ...PCM16, channels: 2 }, [signal, signal.map((value) => -value)]); }, 'VL_WAV_NO_SPEECH'],
];

for (const [name, build, code] of ERROR_CASES) {
  t.test(`${name} throws ${code}`, async (t) => {
    const error = thrown(() => clipFromWavBytes('caller', 'x', build(), '/tmp/input.wav', vad));
    t.equal(error?.code, code);
    t.match(error?.message, '/tmp/input.wav', 'the message names the file');
    t.ok((error?.hint ?? '') !== '', 'the error has a hint');
  });
}

t.test('unsupported tag hint names sox', async (t) => {
  const fmt = fmtChunk(PCM16);
  fmt.body[0] = 0x55;
  const error = thrown(() => decodeWavToPcm8k(riff([fmt, { id: 'data', body: pcmData() }]), 'song.wav'));
  t.match(error?.message, '85 (0x0055', 'the message gives the tag number');
  t.match(error?.hint, 'sox in.wav -r 8000 -c 1 -e mu-law out.wav');
});

t.test('missing file throws VL_WAV_NOT_FOUND', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'voice-load-wav-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  await t.rejects(readWavClip(join(dir, 'absent.wav'), 'caller', { vad }), { code: 'VL_WAV_NOT_FOUND' });
});
