// Synthesizes every caller and agent text of the bundled scenarios, the
// driver's generic follow-ups and the mock agent's phrases with eSpeak NG,
// and writes them to scenarios/audio as 8 kHz mu-law WAV files listed in
// index.json. eSpeak NG is GPL-3, so it runs as a separate program and is
// never linked. Runs over the same texts with the same eSpeak NG and
// wavefile versions write byte-identical files.
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

import YAML from 'yaml';

import {
  AUDIO_INDEX_FILE,
  clipFromSynthesizedWav,
  encodeMulawWav,
  findPackageRoot,
  loadVad,
  normalizeText,
  synthesizeWav,
  textDigest,
  voiceFor,
  type AudioIndex,
  type AudioIndexEntry,
  type Role,
  type VadFactory,
} from '../audio/index.js';
import { isVoiceLoadError, SAMPLE_RATE, UsageError } from '../core/index.js';
import { GENERIC_FOLLOW_UPS } from '../driver/follow-ups.js';
import { GREETING, REPLIES } from '../mock-agent/phrases.js';

const CLIP_FILE_PATTERN = /^(caller|agent)-[0-9a-f]{12}\.wav$/;

interface Utterance {
  role: Role;
  text: string;
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
    // synthesizeWav runs at most MAX_ESPEAK_PROCESSES at once, and Promise.all keeps the clips in the order of utterances.
    prepared = await Promise.all(utterances.map((utterance) => prepareClip(utterance, workDir, vadFactory)));
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

/**
 * Synthesizes one utterance in the voice that voiceFor picks, the same one
 * the runtime synthesizer uses, in a work folder of its own.
 */
async function prepareClip(utterance: Utterance, workDir: string, vadFactory: VadFactory): Promise<PreparedClip> {
  const settings = voiceFor(utterance.role, utterance.text);
  const clipDir = await mkdtemp(path.join(workDir, 'clip-'));
  const synthesized = await synthesizeWav(utterance.text, settings, clipDir);
  const clip = clipFromSynthesizedWav(utterance.role, utterance.text, synthesized, settings, vadFactory);

  const entry: AudioIndexEntry = {
    role: utterance.role,
    text: utterance.text,
    file: `${utterance.role}-${textDigest(utterance.text).toString('hex').slice(0, 12)}.wav`,
    durationMs: clip.durationMs,
    speechStartMs: clip.speechStartMs,
    speechEndMs: clip.speechEndMs,
    voicedOnsetMs: clip.voicedOnsetMs,
    voice: settings.voice,
    rate: settings.rate,
    pitch: settings.pitch,
  };
  return { entry, wav: encodeMulawWav(clip.mulaw) };
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
