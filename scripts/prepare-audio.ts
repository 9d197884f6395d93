// Synthesizes every caller and agent text of the bundled scenarios, the
// driver's generic follow-ups and the mock agent's phrases with eSpeak NG,
// and writes them to scenarios/audio as 8 kHz mu-law WAV files listed in
// index.json. eSpeak NG is GPL-3, so it runs as a separate program and is
// never linked. Runs over the same texts with the same eSpeak NG and
// wavefile versions write byte-identical files.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

import YAML from 'yaml';

import {
  AUDIO_INDEX_FILE,
  classifyVoicedFrames,
  decodeMulaw,
  decodeWavToPcm8k,
  encodeMulaw,
  encodeMulawWav,
  findPackageRoot,
  loadVad,
  MULAW_SILENCE,
  normalizeText,
  speechBounds,
  voicedOnsetMs,
  type AudioIndex,
  type AudioIndexEntry,
  type Role,
  type VadFactory,
} from '../audio/index.js';
import { FRAME_BYTES, isVoiceLoadError, SAMPLE_RATE, UsageError, VoiceLoadError } from '../core/index.js';
import { GENERIC_FOLLOW_UPS } from '../driver/follow-ups.js';
import { GREETING, REPLIES } from '../mock-agent/phrases.js';

const execFileAsync = promisify(execFile);

const ESPEAK = 'espeak-ng';
/** The caller speaks with eSpeak NG's defaults for American English. */
const CALLER_VOICE = { voice: 'en-us', rate: 175, pitch: 50 } as const;
/** The agent speaks British English with eSpeak NG's female variant f3, so the two sides are easy to tell apart. */
const AGENT_VOICE = 'en-gb+f3';
/** Agent speech rate range in words per minute, both ends included. */
const AGENT_RATE_WPM = { min: 150, max: 190 } as const;
/** Agent pitch range on eSpeak NG's 0..99 scale, both ends included. */
const AGENT_PITCH = { min: 35, max: 65 } as const;
/** Silence kept after the last frame above the speech threshold. */
const TRAILING_SILENCE_MS = 100;
const SAMPLES_PER_MS = SAMPLE_RATE / 1000;
const CLIP_FILE_PATTERN = /^(caller|agent)-[0-9a-f]{12}\.wav$/;

interface Utterance {
  role: Role;
  text: string;
}

interface VoiceSettings {
  voice: string;
  rate: number;
  pitch: number;
}

interface PreparedClip {
  entry: AudioIndexEntry;
  wav: Uint8Array;
}

async function main(): Promise<void> {
  const root = findPackageRoot();
  const scenariosDir = path.join(root, 'scenarios');
  const audioDir = path.join(scenariosDir, 'audio');

  const utterances = await collectUtterances(scenariosDir);
  const vadFactory = await loadVad();
  const workDir = await mkdtemp(path.join(tmpdir(), 'voice-load-tts-'));
  let prepared: PreparedClip[];
  try {
    prepared = [];
    for (const utterance of utterances) prepared.push(await prepareClip(utterance, workDir, vadFactory));
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }

  await writeOutput(audioDir, prepared);
  const totalBytes = prepared.reduce((sum, clip) => sum + clip.wav.length, 0);
  console.log(`prepared ${prepared.length} clips (${Math.round(totalBytes / 1024)} KiB of WAV) in ${path.relative(root, audioDir)}`);
}

/** Gathers every text to synthesize, deduplicated and sorted by role, then text. */
async function collectUtterances(scenariosDir: string): Promise<Utterance[]> {
  const callerTexts = new Set<string>(GENERIC_FOLLOW_UPS);
  const agentTexts = new Set<string>([GREETING, ...REPLIES]);

  const files = (await readdir(scenariosDir)).filter((name) => /\.ya?ml$/.test(name)).sort();
  for (const file of files) {
    const rows = await readScenarioRows(path.join(scenariosDir, file));
    for (const row of rows) {
      // Values that are not strings (a WAV reference, for one) need no synthesis.
      if (typeof row['input'] === 'string') callerTexts.add(row['input']);
      if (typeof row['result'] === 'string') agentTexts.add(row['result']);
      if (Array.isArray(row['followUps'])) {
        for (const followUp of row['followUps']) if (typeof followUp === 'string') callerTexts.add(followUp);
      }
    }
  }

  const utterances = [
    ...[...agentTexts].map((text) => ({ role: 'agent' as const, text: normalizeText(text) })),
    ...[...callerTexts].map((text) => ({ role: 'caller' as const, text: normalizeText(text) })),
  ];
  const unique = new Map(utterances.filter((utterance) => utterance.text !== '').map((utterance) => [`${utterance.role}\n${utterance.text}`, utterance]));
  return [...unique.values()].sort(compareUtterances);
}

async function readScenarioRows(file: string): Promise<Record<string, unknown>[]> {
  let scenario: unknown;
  try {
    scenario = YAML.parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw new UsageError('VL_SCENARIO_INVALID', `invalid YAML in ${file}: ${(err as Error).message}`, 'fix the YAML syntax at the line shown');
  }

  const rows = (scenario as { rows?: unknown } | null)?.rows;
  if (rows === undefined) {
    console.log(`skipped ${path.basename(file)}: it has no rows`);
    return [];
  }
  if (!Array.isArray(rows) || rows.some((row) => typeof row !== 'object' || row === null)) {
    throw new UsageError('VL_SCENARIO_INVALID', `rows in ${file} must be a list of { input, result, followUps } objects`, 'see scenarios/support.yaml for the format');
  }
  return rows as Record<string, unknown>[];
}

/** Orders by UTF-16 code units, not by locale, so the order is the same on every machine. */
function compareUtterances(a: Utterance, b: Utterance): number {
  if (a.role !== b.role) return a.role < b.role ? -1 : 1;
  if (a.text === b.text) return 0;
  return a.text < b.text ? -1 : 1;
}

function textDigest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/**
 * Picks the voice settings. Agent rate and pitch come from the text's hash,
 * so they vary by utterance but stay the same across runs.
 */
function voiceFor(utterance: Utterance): VoiceSettings {
  if (utterance.role === 'caller') return { ...CALLER_VOICE };

  const digest = textDigest(utterance.text);
  const rate = AGENT_RATE_WPM.min + (digest.readUInt16BE(0) % (AGENT_RATE_WPM.max - AGENT_RATE_WPM.min + 1));
  const pitch = AGENT_PITCH.min + (digest.readUInt16BE(2) % (AGENT_PITCH.max - AGENT_PITCH.min + 1));
  return { voice: AGENT_VOICE, rate, pitch };
}

async function prepareClip(utterance: Utterance, workDir: string, vadFactory: VadFactory): Promise<PreparedClip> {
  const settings = voiceFor(utterance);
  const synthesized = await synthesize(utterance.text, settings, workDir);
  let mulaw = trimSilence(encodeMulaw(decodeWavToPcm8k(synthesized)), utterance);
  if (utterance.role === 'agent') mulaw = startAtVoicedOnset(mulaw, vadFactory);

  // Bounds and onset are measured on the decoded mu-law, which is what a call sends.
  const bounds = speechBounds(decodeMulaw(mulaw));
  const onsetMs = voicedOnsetMs(classifyVoicedFrames(mulaw, vadFactory));
  if (onsetMs === undefined) {
    throw new VoiceLoadError('VL_TTS_FAILED', `the WebRTC VAD finds no speech in the ${utterance.role} clip for "${utterance.text}"`, `check that \`${ESPEAK} -v ${settings.voice}\` speaks this text`);
  }

  const file = `${utterance.role}-${textDigest(utterance.text).toString('hex').slice(0, 12)}.wav`;
  const entry: AudioIndexEntry = {
    role: utterance.role,
    text: utterance.text,
    file,
    durationMs: mulaw.length / SAMPLES_PER_MS,
    speechStartMs: bounds.speechStartMs,
    speechEndMs: bounds.speechEndMs,
    voicedOnsetMs: onsetMs,
    voice: settings.voice,
    rate: settings.rate,
    pitch: settings.pitch,
  };
  return { entry, wav: encodeMulawWav(mulaw) };
}

/** Runs eSpeak NG and returns the WAV it wrote. */
async function synthesize(text: string, settings: VoiceSettings, workDir: string): Promise<Uint8Array> {
  const textFile = path.join(workDir, 'text.txt');
  const wavFile = path.join(workDir, 'speech.wav');
  await writeFile(textFile, `${text}\n`, 'utf8');

  // eSpeak NG 1.51 cannot seek back in a pipe, so with `--stdout` it leaves
  // placeholder RIFF and data sizes near 2^31 in the header. `-w FILE` does not.
  const args = ['-v', settings.voice, '-s', String(settings.rate), '-p', String(settings.pitch), '-w', wavFile, '-f', textFile];
  try {
    await execFileAsync(ESPEAK, args);
  } catch (err) {
    const error = err as NodeJS.ErrnoException & { stderr?: string };
    if (error.code === 'ENOENT') {
      throw new VoiceLoadError('VL_TTS_FAILED', `${ESPEAK} not found on PATH`, 'install eSpeak NG (Debian and Ubuntu: apt-get install espeak-ng)');
    }
    throw new VoiceLoadError('VL_TTS_FAILED', `${ESPEAK} ${args.join(' ')} failed: ${error.stderr?.trim() || error.message}`, `check that eSpeak NG has the voice ${settings.voice}`);
  }
  return readFile(wavFile);
}

/**
 * Cuts the clip to start at its first frame above the speech threshold and
 * to end TRAILING_SILENCE_MS after its last one, then pads it with silence
 * to whole 20 ms frames.
 */
function trimSilence(mulaw: Uint8Array, utterance: Utterance): Uint8Array {
  const bounds = speechBounds(decodeMulaw(mulaw));
  if (bounds.speechEndMs === 0) {
    throw new VoiceLoadError('VL_TTS_FAILED', `${ESPEAK} produced only silence for the ${utterance.role} text "${utterance.text}"`, 'check the text and the eSpeak NG installation');
  }

  const start = bounds.speechStartMs * SAMPLES_PER_MS;
  const end = Math.min(mulaw.length, (bounds.speechEndMs + TRAILING_SILENCE_MS) * SAMPLES_PER_MS);
  const frameCount = Math.ceil((end - start) / FRAME_BYTES);
  const trimmed = new Uint8Array(frameCount * FRAME_BYTES).fill(MULAW_SILENCE);
  trimmed.set(mulaw.subarray(start, end));
  return trimmed;
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

/** Writes the WAV files and index.json, then deletes clip files no longer listed. */
async function writeOutput(audioDir: string, prepared: PreparedClip[]): Promise<void> {
  await mkdir(audioDir, { recursive: true });
  for (const clip of prepared) await writeFile(path.join(audioDir, clip.entry.file), clip.wav);

  const index: AudioIndex = { sampleRate: SAMPLE_RATE, clips: prepared.map((clip) => clip.entry) };
  await writeFile(path.join(audioDir, AUDIO_INDEX_FILE), `${JSON.stringify(index, null, 2)}\n`, 'utf8');

  const listed = new Set(prepared.map((clip) => clip.entry.file));
  for (const name of await readdir(audioDir)) {
    if (CLIP_FILE_PATTERN.test(name) && !listed.has(name)) await rm(path.join(audioDir, name));
  }
}

try {
  await main();
} catch (err) {
  if (!isVoiceLoadError(err)) throw err;
  console.error(`error ${err.code}: ${err.message}`);
  if (err.hint) console.error(`fix: ${err.hint}`);
  process.exitCode = err.usage ? 2 : 1;
}
