import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import t from 'tap';
import wavefilePkg from 'wavefile';

import { decodeMulaw, encodeMulaw } from '../audio/index.js';
import { CallRecorder, RecordingStore, recordingPath } from '../driver/recorder.js';

const { WaveFile } = wavefilePkg;

/** Returns a 20 ms mu-law frame of one constant level. */
function level(value: number): Uint8Array {
  return encodeMulaw(new Int16Array(160).fill(value));
}

/** Returns the decoded sample of `level(value)`, as mu-law rounds it. */
function decoded(value: number): number {
  return decodeMulaw(level(value))[0]!;
}

function channels(wav: Buffer): { left: number[]; right: number[]; file: InstanceType<typeof WaveFile> } {
  const file = new WaveFile(wav);
  const samples = file.getSamples(false, Int16Array) as unknown as Int16Array[];
  return { left: Array.from(samples[0]!), right: Array.from(samples[1]!), file };
}

t.test('recording is stereo 8 kHz 16-bit', async (t) => {
  const recorder = new CallRecorder('c1', 5000);
  recorder.caller(5000, level(1000));
  const { file } = channels(recorder.toWav());
  const fmt = file.fmt as { numChannels: number; sampleRate: number; bitsPerSample: number; audioFormat: number };
  t.equal(fmt.numChannels, 2);
  t.equal(fmt.sampleRate, 8000);
  t.equal(fmt.bitsPerSample, 16);
  t.equal(fmt.audioFormat, 1, 'PCM');
});

t.test('caller left and agent right on the call timeline', async (t) => {
  const recorder = new CallRecorder('c1', 5000);
  recorder.caller(5020, level(1000));
  recorder.agent(5100, level(-2000));
  const { left, right } = channels(recorder.toWav());

  t.equal(left.length, (100 + 20) * 8, 'ends with the last frame');
  t.equal(left[159], 0, 'silence before the caller frame');
  t.equal(left[160], decoded(1000), 'caller frame starts 20 ms after the dial');
  t.equal(left[319], decoded(1000));
  t.equal(left[320], 0, 'silence after it');
  t.equal(right[799], 0, 'agent silent before its frame');
  t.equal(right[800], decoded(-2000), 'agent frame starts at its arrival, 100 ms');
  t.equal(right[160], 0, 'caller audio stays off the agent channel');
});

t.test('early agent frame follows the previous one', async (t) => {
  const recorder = new CallRecorder('c1', 0);
  recorder.agent(100, level(500));
  recorder.agent(115, level(700));
  const { right } = channels(recorder.toWav());
  t.equal(right[800 + 159], decoded(500), 'first frame plays whole');
  t.equal(right[800 + 160], decoded(700), 'second frame starts where the first ends');
  t.equal(right.length, 800 + 320);
});

t.test('store writes recordings to the run folder', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'voice-load-recorder-'));
  const store = new RecordingStore(dir);
  const recorder = store.open('call-7', 1000);
  recorder.caller(1000, level(300));
  store.close(recorder);
  await store.flush();

  const path = recordingPath(dir, 'call-7');
  t.equal(path, join(dir, 'recordings', 'call-7.wav'));
  t.ok(existsSync(path));
  t.equal(readFileSync(path).length, 44 + 160 * 4, 'header plus one stereo frame');
});
