import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import t from 'tap';
import wavefilePkg from 'wavefile';

import {
  AGENT_VOICE,
  CALLER_VOICE,
  clipFromWavBytes,
  createAudioLibrary,
  decodeWavToPcm8k,
  defaultSpeechCacheDir,
  execFileRunner,
  loadPreparedAudio,
  loadVad,
  mergeAudioLibraries,
  prepareSpeech,
  synthesizeClip,
  voiceFor,
  wavClipText,
  type AudioLibrary,
  type Clip,
  type CommandRunner,
  type VadFactory,
} from '../audio/index.js';
import { GREETING } from '../mock-agent/phrases.js';

const { WaveFile } = wavefilePkg;
const execFileAsync = promisify(execFile);

let vad: VadFactory;
let prepared: AudioLibrary;

t.before(async () => {
  vad = await loadVad();
  prepared = await loadPreparedAudio();
});

function tempDir(t: { teardown(cleanup: () => void): void }, prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Wraps a runner and records the arguments of every run. */
function countingRunner(inner: CommandRunner = execFileRunner): { runner: CommandRunner; runs: string[][] } {
  const runs: string[][] = [];
  const runner: CommandRunner = (file, args, options) => {
    runs.push([file, ...args]);
    return inner(file, args, options);
  };
  return { runner, runs };
}

/** Builds a 22.05 kHz 16-bit WAV of silence with a loud noise burst from 100 to 600 ms. */
function noiseBurstWav(): Uint8Array {
  const samples = new Int16Array(22050);
  let state = 7;
  for (let i = 2205; i < 13230; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    samples[i] = Math.round((state / 0xffffffff - 0.5) * 32000);
  }
  const wav = new WaveFile();
  wav.fromScratch(1, 22050, '16', samples);
  return wav.toBuffer();
}

/**
 * Stands in for espeak-ng: returns a version line for `--version` and
 * writes noiseBurstWav to the `-w` path. Records how many runs overlap at most.
 */
function fakeEspeak(): { runner: CommandRunner; runs: string[][]; maxActive: () => number } {
  let active = 0;
  let maxActive = 0;
  const inner: CommandRunner = async (_file, args) => {
    if (args[0] === '--version') return { stdout: 'fake espeak-ng 0.0\n', stderr: '' };
    active++;
    maxActive = Math.max(maxActive, active);
    try {
      const output = args[args.indexOf('-w') + 1]!;
      await writeFile(output, noiseBurstWav());
      return { stdout: '', stderr: '' };
    } finally {
      active--;
    }
  };
  const { runner, runs } = countingRunner(inner);
  return { runner, runs, maxActive: () => maxActive };
}

function synthesisRuns(runs: string[][]): string[][] {
  return runs.filter((run) => run[1] !== '--version');
}

t.test('synthesized clip contains speech', async (t) => {
  const cacheDir = tempDir(t, 'voice-load-speech-');
  const { runner } = countingRunner();
  const clip = await synthesizeClip('Could you check the status of my order, please?', 'caller', { cacheDir, runner, vad });

  t.equal(clip.role, 'caller');
  t.equal(clip.mulaw.length % 160, 0, 'whole 20 ms frames');
  t.equal(clip.speechStartMs, 0, 'leading silence is trimmed');
  t.ok(clip.speechEndMs > 1000, `speech lasts ${clip.speechEndMs} ms, expected over 1 s`);
  t.ok(clip.durationMs >= clip.speechEndMs, 'speech ends within the clip');
  t.ok(clip.voicedOnsetMs < clip.speechEndMs, 'the VAD finds voiced frames');
});

t.test('second synthesis hits the cache', async (t) => {
  const cacheDir = tempDir(t, 'voice-load-speech-');
  const { runner, runs } = countingRunner();
  const text = 'Please move my delivery to Friday afternoon.';

  const first = await synthesizeClip(text, 'agent', { cacheDir, runner, vad });
  t.equal(runs.length, 2, 'the first call asks the version and synthesizes');
  const second = await synthesizeClip(`  ${text} `, 'agent', { cacheDir, runner, vad });
  t.equal(runs.length, 2, 'the second call runs no process');

  t.same(second.mulaw, first.mulaw, 'the cached clip has the same samples');
  t.equal(second.speechEndMs, first.speechEndMs);
  t.equal(second.voicedOnsetMs, first.voicedOnsetMs);
  t.equal(first.voicedOnsetMs, 0, 'an agent clip starts on its voiced onset');
  t.equal(readdirSync(cacheDir).length, 1, 'one file per clip and no work folder left');
});

t.test('agent voice follows prepare-audio rules', async (t) => {
  const { runner, runs } = fakeEspeak();
  await synthesizeClip('Your refund was sent today.', 'agent', { cacheDir: tempDir(t, 'voice-load-speech-'), runner, vad });
  const args = synthesisRuns(runs)[0]!;
  const settings = voiceFor('agent', 'Your refund was sent today.');

  t.equal(settings.voice, AGENT_VOICE);
  t.equal(args[args.indexOf('-v') + 1], settings.voice);
  t.equal(args[args.indexOf('-s') + 1], String(settings.rate));
  t.equal(args[args.indexOf('-p') + 1], String(settings.pitch));
  t.same(voiceFor('caller', 'anything'), CALLER_VOICE);
});

t.test('missing program throws VL_TTS_MISSING', async (t) => {
  const enoent: CommandRunner = async () => {
    throw Object.assign(new Error('spawn espeak-ng ENOENT'), { code: 'ENOENT' });
  };
  await t.rejects(synthesizeClip('Hello there.', 'caller', { cacheDir: tempDir(t, 'voice-load-speech-'), runner: enoent, vad }), { code: 'VL_TTS_MISSING' });
});

t.test('PATH without espeak-ng throws VL_TTS_MISSING', async (t) => {
  const emptyDir = tempDir(t, 'voice-load-path-');
  const options = { cacheDir: tempDir(t, 'voice-load-speech-'), env: { PATH: emptyDir }, vad };
  await t.rejects(synthesizeClip('Hello there.', 'caller', options), { code: 'VL_TTS_MISSING' });
});

t.test('failing program throws VL_TTS_FAILED', async (t) => {
  const failing: CommandRunner = async (_file, args) => {
    if (args[0] === '--version') return { stdout: 'fake\n', stderr: '' };
    throw Object.assign(new Error('exit code 1'), { code: 1, stderr: 'unknown voice' });
  };
  await t.rejects(synthesizeClip('Hello there.', 'agent', { cacheDir: tempDir(t, 'voice-load-speech-'), runner: failing, vad }), { code: 'VL_TTS_FAILED' });
});

t.test('empty text throws VL_SPEECH_TEXT_EMPTY', async (t) => {
  await t.rejects(synthesizeClip('  \n ', 'caller', { cacheDir: tempDir(t, 'voice-load-speech-'), runner: fakeEspeak().runner, vad }), { code: 'VL_SPEECH_TEXT_EMPTY' });
});

t.test('espeak-ng --stdout output loads', async (t) => {
  const dir = tempDir(t, 'voice-load-stdout-');
  const text = 'Hello, I would like to cancel my subscription.';
  const { stdout } = await execFileAsync('espeak-ng', ['--stdout', text], { encoding: 'buffer', maxBuffer: 16 * 1024 * 1024 });
  await execFileAsync('espeak-ng', ['-w', join(dir, 'file.wav'), text]);
  const fromFile = readFileSync(join(dir, 'file.wav'));

  t.ok(stdout.readUInt32LE(40) > stdout.length, 'the --stdout header gives a data size past the end');
  t.same(decodeWavToPcm8k(stdout), decodeWavToPcm8k(fromFile), 'both decode to the same samples');
  const clip = clipFromWavBytes('caller', 'x', stdout, 'stdout.wav', vad);
  t.ok(clip.speechEndMs > 1000, `speech lasts ${clip.speechEndMs} ms, expected over 1 s`);
});

t.test('prepareSpeech combines three sources', async (t) => {
  const baseDir = tempDir(t, 'voice-load-prepare-');
  writeFileSync(join(baseDir, 'question.wav'), noiseBurstWav());
  const { runner, runs } = fakeEspeak();

  const library = await prepareSpeech(
    [
      { role: 'agent', text: GREETING },
      { role: 'caller', text: 'A question no scenario asks.' },
      { role: 'caller', text: 'A question  no scenario asks.' },
      { role: 'caller', wavPath: 'question.wav', text: 'Where is my parcel?' },
    ],
    { prepared, baseDir, cacheDir: join(baseDir, 'cache'), runner, vad },
  );

  t.equal(synthesisRuns(runs).length, 1, 'only the new text is synthesized, once');
  t.equal(library.get('agent', GREETING), prepared.get('agent', GREETING), 'the prepared clip is used');
  t.ok(library.has('caller', 'A question no scenario asks.'), 'the new text has a clip');
  const wavClip = library.get('caller', wavClipText('question.wav', baseDir));
  t.equal(wavClip.transcript, 'Where is my parcel?');
  t.equal(library.clips().length, prepared.clips().length + 2);
});

t.test('prepareSpeech runs two processes at most', async (t) => {
  const { runner, runs, maxActive } = fakeEspeak();
  const texts = ['One.', 'Two.', 'Three.', 'Four.', 'Five.', 'Six.'];
  await prepareSpeech(
    texts.map((text) => ({ role: 'agent' as const, text })),
    { prepared: createAudioLibrary([]), cacheDir: tempDir(t, 'voice-load-speech-'), runner, vad },
  );
  t.equal(synthesisRuns(runs).length, texts.length);
  t.ok(maxActive() <= 2, `${maxActive()} runs overlapped, expected 2 at most`);
});

t.test('prepareSpeech rejects a bad WAV', async (t) => {
  const baseDir = tempDir(t, 'voice-load-prepare-');
  writeFileSync(join(baseDir, 'notes.wav'), 'not audio');
  const request = { role: 'caller' as const, wavPath: 'notes.wav' };
  await t.rejects(prepareSpeech([request], { prepared: createAudioLibrary([]), baseDir, vad }), { code: 'VL_WAV_INVALID' });
});

t.test('merge keeps the first clip', async (t) => {
  const clip = (text: string, durationMs: number): Clip => ({ role: 'agent', text, mulaw: new Uint8Array(160), durationMs, speechStartMs: 0, speechEndMs: 20, voicedOnsetMs: 0 });
  const merged = mergeAudioLibraries(createAudioLibrary([clip('Hi.', 20)]), createAudioLibrary([clip('Hi.', 40), clip('Bye.', 20)]));
  t.equal(merged.get('agent', 'Hi.').durationMs, 20);
  t.ok(merged.has('agent', 'Bye.'));
});

t.test('cache folder follows the environment', async (t) => {
  t.equal(defaultSpeechCacheDir({ VOICE_LOAD_CACHE: '/data/vl' }), join('/data/vl', 'speech'));
  t.equal(defaultSpeechCacheDir({ XDG_CACHE_HOME: '/xdg' }), join('/xdg', 'voice-load', 'speech'));
  t.match(defaultSpeechCacheDir({}), /\.cache\/voice-load\/speech$/);
});
