import t from 'tap';
import wavefilePkg from 'wavefile';

import {
  classifyVoicedFrames,
  createAudioLibrary,
  decodeMulaw,
  decodeWavToMulaw8k,
  encodeMulawWav,
  framesOf,
  levelDbfs,
  loadPreparedAudio,
  loadVad,
  MULAW_SILENCE,
  readWavAsMulaw8k,
  speechBounds,
  voicedOnsetMs,
  type AudioLibrary,
} from '../audio/index.js';
import type { VoiceLoadError } from '../core/index.js';
import { GREETING } from '../mock-agent/phrases.js';

const { WaveFile } = wavefilePkg;

/** Deterministic white noise in [-amplitude, amplitude] from a linear congruential generator. */
function noise(length: number, amplitude: number, seed = 1): Int16Array {
  const samples = new Int16Array(length);
  let state = seed;
  for (let i = 0; i < length; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    samples[i] = Math.round((state / 0xffffffff - 0.5) * 2 * amplitude);
  }
  return samples;
}

function tone(length: number, frequencyHz: number, sampleRate: number, amplitude: number): Int16Array {
  return Int16Array.from({ length }, (_, i) => Math.round(amplitude * Math.sin((2 * Math.PI * frequencyHz * i) / sampleRate)));
}

function stereoWav(sampleRate: number, left: Int16Array, right: Int16Array): Uint8Array {
  const wav = new WaveFile();
  wav.fromScratch(2, sampleRate, '16', [left, right]);
  return wav.toBuffer();
}

let library: AudioLibrary;

t.before(async () => {
  library = await loadPreparedAudio();
});

t.test('prepared library loads', async (t) => {
  t.ok(library.clips().length > 0, 'at least one clip is prepared');
  t.ok(library.has('agent', GREETING), 'the mock agent greeting is prepared');
});

t.test('clips have consistent bounds', async (t) => {
  for (const clip of library.clips()) {
    const name = `${clip.role} "${clip.text}"`;
    t.ok(clip.speechStartMs < clip.speechEndMs, `${name}: speech starts before it ends`);
    t.ok(clip.speechEndMs <= clip.durationMs, `${name}: speech ends within the clip`);
    t.equal(clip.mulaw.length % 160, 0, `${name}: whole 20 ms frames`);
    t.equal(clip.durationMs, clip.mulaw.length / 8, `${name}: duration matches the samples`);
  }
});

t.test('clips contain real speech', async (t) => {
  const vadFactory = await loadVad();
  for (const clip of library.clips()) {
    const name = `${clip.role} "${clip.text}"`;
    const voiced = classifyVoicedFrames(clip.mulaw, vadFactory);
    const speechFrames = voiced.slice(clip.speechStartMs / 20, clip.speechEndMs / 20);
    const voicedShare = speechFrames.filter(Boolean).length / speechFrames.length;

    t.equal(voicedOnsetMs(voiced), clip.voicedOnsetMs, `${name}: VAD onset matches the index`);
    t.ok(voicedShare > 0.5, `${name}: VAD marks ${Math.round(voicedShare * 100)}% of speech frames voiced, expected over 50%`);
  }
});

t.test('missing text throws VL_NO_AUDIO', async (t) => {
  const text = 'A sentence that no scenario contains.';
  t.equal(library.has('caller', text), false);

  const error = (() => {
    try {
      library.get('caller', text);
    } catch (err) {
      return err as VoiceLoadError;
    }
    return undefined;
  })();
  t.equal(error?.code, 'VL_NO_AUDIO');
  t.match(error?.message, 'caller', 'the message names the role');
  t.match(error?.message, text, 'the message names the text');
  t.match(error?.hint, 'npm run prepare-audio', 'the hint names the fix');
});

t.test('lookup normalizes whitespace', async (t) => {
  const spaced = `  ${GREETING.replaceAll(' ', ' \t ')}\n`;
  t.equal(library.get('agent', spaced), library.get('agent', GREETING));
  t.equal(library.has('agent', GREETING.toLowerCase()), false, 'case still matters');
  t.equal(library.has('caller', GREETING), false, 'the role is part of the key');
});

t.test('missing index throws VL_NO_AUDIO', async (t) => {
  const dir = t.testdir({});
  await t.rejects(loadPreparedAudio(dir), { code: 'VL_NO_AUDIO' });
});

t.test('index with wrong rate is rejected', async (t) => {
  const dir = t.testdir({ 'index.json': JSON.stringify({ sampleRate: 16000, clips: [] }) });
  await t.rejects(loadPreparedAudio(dir), { code: 'VL_AUDIO_INVALID' });
});

t.test('clip length must match its index entry', async (t) => {
  const entry = { role: 'caller', text: 'hello', file: 'caller-hello.wav', durationMs: 40, speechStartMs: 0, speechEndMs: 20, voicedOnsetMs: 0, voice: 'en-us', rate: 175, pitch: 50 };
  const dir = t.testdir({
    'index.json': JSON.stringify({ sampleRate: 8000, clips: [entry] }),
    'caller-hello.wav': Buffer.from(encodeMulawWav(new Uint8Array(160).fill(MULAW_SILENCE))),
  });
  await t.rejects(loadPreparedAudio(dir), { code: 'VL_AUDIO_INVALID' });
});

t.test('speechBounds finds a noise burst', async (t) => {
  const pcm = new Int16Array(8000);
  pcm.set(noise(4000, 8000), 2400);
  t.same(speechBounds(pcm), { speechStartMs: 300, speechEndMs: 800 });
});

t.test('speechBounds rounds out to frames', async (t) => {
  const pcm = new Int16Array(8000);
  pcm.set(noise(3840, 8000), 2480);
  t.same(speechBounds(pcm), { speechStartMs: 300, speechEndMs: 800 });
});

t.test('speechBounds ignores quiet noise', async (t) => {
  // Uniform noise of amplitude 100 has an RMS of about 58, near -55 dBFS.
  t.same(speechBounds(noise(8000, 100)), { speechStartMs: 0, speechEndMs: 0 });
});

t.test('16 kHz stereo WAV decodes to 8 kHz', async (t) => {
  const wav = stereoWav(16000, tone(4800, 440, 16000, 8000), tone(4800, 660, 16000, 8000));
  t.equal(decodeWavToMulaw8k(wav).length, 2400);
});

t.test('resampling keeps the telephone band', async (t) => {
  const wav = stereoWav(16000, tone(16000, 1000, 16000, 8000), tone(16000, 1000, 16000, 8000));
  const decoded = decodeMulaw(decodeWavToMulaw8k(wav));
  const lossDb = levelDbfs(tone(16000, 1000, 16000, 8000)) - levelDbfs(decoded.subarray(800, 7200));
  t.ok(Math.abs(lossDb) < 0.5, `1 kHz changes by ${lossDb.toFixed(2)} dB, expected under 0.5 dB`);
});

t.test('resampling filters out 6 kHz', async (t) => {
  const wav = stereoWav(16000, tone(16000, 6000, 16000, 8000), tone(16000, 6000, 16000, 8000));
  const level = levelDbfs(decodeMulaw(decodeWavToMulaw8k(wav)).subarray(800, 7200));
  t.ok(level < -60, `6 kHz tone at 8 kHz is ${level.toFixed(1)} dBFS, expected below -60 dBFS`);
});

t.test('mu-law WAV round trip keeps bytes', async (t) => {
  const mulaw = Uint8Array.from({ length: 320 }, (_, i) => i % 256);
  t.same(readWavAsMulaw8k(encodeMulawWav(mulaw)), mulaw);
});

t.test('framesOf pads the last frame', async (t) => {
  const mulaw = new Uint8Array(400).fill(0x10);
  const frames = framesOf(mulaw);
  t.equal(frames.length, 3);
  t.equal(frames[0]!.buffer, mulaw.buffer, 'full frames are views');
  t.equal(frames[2]!.length, 160);
  t.equal(frames[2]![79], 0x10, 'the short frame keeps its bytes');
  t.equal(frames[2]![80], MULAW_SILENCE, 'the rest is silence');
});

t.test('onset needs three voiced frames', async (t) => {
  t.equal(voicedOnsetMs([true, true, false, false, true, true, true]), 80);
  t.equal(voicedOnsetMs([true, true, false, true]), undefined);
});

t.test('in-memory library normalizes lookups', async (t) => {
  const clip = { role: 'agent' as const, text: 'Hello there.', mulaw: new Uint8Array(160), durationMs: 20, speechStartMs: 0, speechEndMs: 20, voicedOnsetMs: 0 };
  const memory = createAudioLibrary([clip]);
  t.equal(memory.get('agent', 'Hello  there.'), clip);
  t.same(memory.clips(), [clip]);
});
