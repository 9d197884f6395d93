import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { FRAME_BYTES, SAMPLE_RATE, UsageError, VoiceLoadError } from '../core/index.js';
import { readWavAsMulaw8k } from './wav.js';

export type Role = 'caller' | 'agent';

/** One prepared utterance: mono 8 kHz mu-law and where its speech lies. */
export interface Clip {
  role: Role;
  text: string;
  /** Mu-law bytes in whole 20 ms frames, so the length is a multiple of 160. */
  mulaw: Uint8Array;
  durationMs: number;
  /** Start of the first 20 ms frame above -45 dBFS. */
  speechStartMs: number;
  /** End of the last 20 ms frame above -45 dBFS, before the trailing silence. */
  speechEndMs: number;
  /** Start of the first 3 consecutive frames the WebRTC VAD (mode 3) classifies voiced. */
  voicedOnsetMs: number;
  /** Absolute path of the WAV file the clip was read from; absent for synthesized clips. */
  sourcePath?: string;
  /** Words spoken in a WAV clip, when the scenario gives them. A synthesized clip speaks `text`. */
  transcript?: string;
}

/** Prepared clips looked up by role and text. */
export interface AudioLibrary {
  /** Returns the clip, or throws UsageError VL_NO_AUDIO when none was prepared. */
  get(role: Role, text: string): Clip;
  has(role: Role, text: string): boolean;
  clips(): Clip[];
}

/** An entry of `index.json`, the list of prepared clips. */
export interface AudioIndexEntry {
  role: Role;
  text: string;
  /** WAV file name, relative to the folder of `index.json`. */
  file: string;
  durationMs: number;
  speechStartMs: number;
  speechEndMs: number;
  voicedOnsetMs: number;
  /** eSpeak NG voice name, as passed to `espeak-ng -v`. */
  voice: string;
  /** Speech rate in words per minute (`espeak-ng -s`). */
  rate: number;
  /** Pitch from 0 to 99 (`espeak-ng -p`). */
  pitch: number;
}

export interface AudioIndex {
  sampleRate: number;
  clips: AudioIndexEntry[];
}

export const AUDIO_INDEX_FILE = 'index.json';
const PACKAGE_NAME = 'voice-load';
const PREPARE_COMMAND = 'npm run prepare-audio';

/** Trims the text and collapses each run of whitespace to one space. */
export function normalizeText(text: string): string {
  return text.trim().replace(/\s+/g, ' ');
}

/**
 * Finds the folder of the package.json named `voice-load` by searching
 * upward from `fromUrl`, so the same code works from the sources and from
 * `dist/`.
 */
export function findPackageRoot(fromUrl: string = import.meta.url): string {
  let dir = path.dirname(fileURLToPath(fromUrl));
  for (;;) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest) && readPackageName(manifest) === PACKAGE_NAME) return dir;

    const parent = path.dirname(dir);
    if (parent === dir) {
      throw new VoiceLoadError('VL_PACKAGE_NOT_FOUND', `no package.json named ${PACKAGE_NAME} above ${fileURLToPath(fromUrl)}`, 'run voice-load from its installed package');
    }
    dir = parent;
  }
}

/** Returns `<package root>/scenarios/audio`, the folder the prepare-audio script writes to. */
export function defaultAudioDir(): string {
  return path.join(findPackageRoot(), 'scenarios', 'audio');
}

/**
 * Loads the clips listed in `<dir>/index.json`.
 * Throws UsageError VL_NO_AUDIO when the index is missing, and
 * VoiceLoadError VL_AUDIO_INVALID when the index or a WAV file does not
 * match what the prepare-audio script writes.
 */
export async function loadPreparedAudio(dir: string = defaultAudioDir()): Promise<AudioLibrary> {
  const indexPath = path.join(dir, AUDIO_INDEX_FILE);
  let json: string;
  try {
    json = await readFile(indexPath, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    throw new UsageError('VL_NO_AUDIO', `prepared audio index not found: ${indexPath}`, `run \`${PREPARE_COMMAND}\``);
  }

  const index = parseAudioIndex(json, indexPath);
  const clips = await Promise.all(index.clips.map((entry) => loadClip(dir, entry)));
  return createAudioLibrary(clips);
}

/** Builds a library over clips that are already in memory. A later clip with the same role and text replaces an earlier one. */
export function createAudioLibrary(clips: readonly Clip[]): AudioLibrary {
  const byKey = new Map<string, Clip>();
  for (const clip of clips) byKey.set(clipKey(clip.role, clip.text), clip);

  return {
    get(role, text) {
      const clip = byKey.get(clipKey(role, text));
      if (clip) return clip;
      throw new UsageError(
        'VL_NO_AUDIO',
        `no prepared ${role} audio for the text "${normalizeText(text)}"`,
        `add the text to a scenario's ${role === 'caller' ? 'input or followUps' : 'result'} and run \`${PREPARE_COMMAND}\`, or pass it to prepareSpeech before the run starts`,
      );
    },
    has: (role, text) => byKey.has(clipKey(role, text)),
    clips: () => [...byKey.values()],
  };
}

/**
 * Builds one library over the clips of several. Where two contain the same
 * role and text, the clip of the library listed first is kept.
 */
export function mergeAudioLibraries(...libraries: readonly AudioLibrary[]): AudioLibrary {
  const byKey = new Map<string, Clip>();
  for (const library of libraries) {
    for (const clip of library.clips()) {
      const key = clipKey(clip.role, clip.text);
      if (!byKey.has(key)) byKey.set(key, clip);
    }
  }
  return createAudioLibrary([...byKey.values()]);
}

function clipKey(role: Role, text: string): string {
  return `${role}\n${normalizeText(text)}`;
}

function readPackageName(manifest: string): unknown {
  try {
    return (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown }).name;
  } catch {
    return undefined;
  }
}

async function loadClip(dir: string, entry: AudioIndexEntry): Promise<Clip> {
  const file = path.join(dir, entry.file);
  const mulaw = readWavAsMulaw8k(await readFile(file));
  const expectedBytes = (entry.durationMs * SAMPLE_RATE) / 1000;
  if (mulaw.length !== expectedBytes || mulaw.length % FRAME_BYTES !== 0) {
    throw new VoiceLoadError(
      'VL_AUDIO_INVALID',
      `${file} holds ${mulaw.length} samples, but index.json gives ${entry.durationMs} ms (${expectedBytes} samples, a multiple of ${FRAME_BYTES})`,
      `run \`${PREPARE_COMMAND}\` to prepare the audio again`,
    );
  }

  return {
    role: entry.role,
    text: entry.text,
    mulaw,
    durationMs: entry.durationMs,
    speechStartMs: entry.speechStartMs,
    speechEndMs: entry.speechEndMs,
    voicedOnsetMs: entry.voicedOnsetMs,
  };
}

function parseAudioIndex(json: string, indexPath: string): AudioIndex {
  const invalid = (what: string) =>
    new VoiceLoadError('VL_AUDIO_INVALID', `invalid prepared audio index ${indexPath}: ${what}`, `run \`${PREPARE_COMMAND}\` to prepare the audio again`);

  let index: unknown;
  try {
    index = JSON.parse(json);
  } catch (err) {
    throw invalid((err as Error).message);
  }

  const { sampleRate, clips } = (index ?? {}) as Partial<AudioIndex>;
  if (sampleRate !== SAMPLE_RATE) throw invalid(`sampleRate is ${String(sampleRate)}, expected ${SAMPLE_RATE}`);
  if (!Array.isArray(clips)) throw invalid('clips is not an array');
  clips.forEach((entry, i) => validateEntry(entry, (what) => invalid(`clips[${i}] ${what}`)));
  return { sampleRate, clips };
}

function validateEntry(entry: unknown, invalid: (what: string) => Error): asserts entry is AudioIndexEntry {
  const fields = (entry ?? {}) as Record<string, unknown>;
  if (fields['role'] !== 'caller' && fields['role'] !== 'agent') throw invalid(`has role ${String(fields['role'])}, expected caller or agent`);

  for (const name of ['text', 'file', 'voice']) {
    if (typeof fields[name] !== 'string') throw invalid(`is missing the string ${name}`);
  }
  for (const name of ['durationMs', 'speechStartMs', 'speechEndMs', 'voicedOnsetMs', 'rate', 'pitch']) {
    if (typeof fields[name] !== 'number' || !Number.isFinite(fields[name])) throw invalid(`is missing the number ${name}`);
  }
  // A file name with a folder part could point outside the audio folder.
  if (path.basename(fields['file'] as string) !== fields['file']) throw invalid(`file ${String(fields['file'])} is not a plain file name`);
}
