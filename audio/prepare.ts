import { readFile } from 'node:fs/promises';
import path from 'node:path';

import { isVoiceLoadError, UsageError } from '../core/index.js';
import { clipFromWavBytes } from './clip.js';
import { createAudioLibrary, loadPreparedAudio, normalizeText, type AudioLibrary, type Clip, type Role } from './library.js';
import { synthesizeClip, type SpeechOptions } from './speech.js';
import { loadVad, type VadFactory } from './vad.js';

/** Prefix of the library text under which a WAV clip is stored. */
export const WAV_TEXT_PREFIX = 'wav:';

/** An utterance to prepare: a text to synthesize, or a WAV file with an optional transcript. */
export type SpeechRequest = { role: Role; text: string } | { role: Role; wavPath: string; text?: string };

export interface PrepareSpeechOptions extends SpeechOptions {
  /**
   * Clips to use before synthesizing anything. When omitted, the bundled
   * prepared audio (loadPreparedAudio()) is used if it exists.
   */
  prepared?: AudioLibrary;
  /** Folder that relative WAV paths are resolved from; the working directory when omitted. */
  baseDir?: string;
}

/**
 * Returns the library text of a WAV clip: `wav:` and the file's absolute
 * path. Look the clip up with `library.get(role, wavClipText(wavPath, baseDir))`.
 */
export function wavClipText(wavPath: string, baseDir: string = process.cwd()): string {
  return `${WAV_TEXT_PREFIX}${path.resolve(baseDir, wavPath)}`;
}

/**
 * Returns the library text under which prepareSpeech stores a request:
 * the normalized text, or wavClipText of the WAV path.
 */
export function speechRequestText(request: SpeechRequest, baseDir: string = process.cwd()): string {
  return 'wavPath' in request ? wavClipText(request.wavPath, baseDir) : normalizeText(request.text);
}

/**
 * Prepares every utterance before a run starts, so no call reads files or
 * runs programs. The library returned contains the prepared clips, then a
 * synthesized clip for each text they lack, then one clip per WAV file
 * (looked up as speechRequestText describes). Synthesis runs at most
 * MAX_ESPEAK_PROCESSES eSpeak NG processes at once. Every request is
 * settled before the first error is thrown: VL_TTS_MISSING, VL_TTS_FAILED,
 * VL_WAV_NOT_FOUND, VL_WAV_INVALID or VL_WAV_NO_SPEECH.
 */
export async function prepareSpeech(requests: readonly SpeechRequest[], options: PrepareSpeechOptions = {}): Promise<AudioLibrary> {
  const baseDir = options.baseDir ?? process.cwd();
  const prepared = options.prepared ?? (await loadBundledAudio());
  const vad = options.vad ?? (await loadVad());

  const texts = new Map<string, { role: Role; text: string }>();
  const wavs = new Map<string, { role: Role; file: string; transcript?: string }>();
  for (const request of requests) {
    const text = speechRequestText(request, baseDir);
    const key = `${request.role}\n${text}`;
    if ('wavPath' in request) {
      if (!wavs.has(key)) wavs.set(key, { role: request.role, file: path.resolve(baseDir, request.wavPath), transcript: request.text });
    } else if (text !== '' && !prepared.has(request.role, text) && !texts.has(key)) {
      texts.set(key, { role: request.role, text });
    }
  }

  const clips = await settleAll([
    ...[...texts.values()].map(({ role, text }) => synthesizeClip(text, role, { ...options, vad })),
    ...[...wavs.values()].map((wav) => readWavClip(wav.file, wav.role, { transcript: wav.transcript, vad })),
  ]);
  return createAudioLibrary([...prepared.clips(), ...clips]);
}

/**
 * Reads a WAV file as a clip stored under wavClipText(file). Throws
 * UsageError VL_WAV_NOT_FOUND when the file cannot be read, and as
 * clipFromWavBytes describes for its content.
 */
export async function readWavClip(file: string, role: Role, options: { transcript?: string; vad?: VadFactory } = {}): Promise<Clip> {
  const absolute = path.resolve(file);
  let bytes: Uint8Array;
  try {
    bytes = await readFile(absolute);
  } catch (err) {
    throw new UsageError('VL_WAV_NOT_FOUND', `cannot read the WAV file ${absolute}: ${(err as Error).message}`, 'check the WAV path in the scenario');
  }

  const vad = options.vad ?? (await loadVad());
  const clip = clipFromWavBytes(role, wavClipText(absolute), bytes, absolute, vad);
  clip.sourcePath = absolute;
  if (options.transcript !== undefined) clip.transcript = normalizeText(options.transcript);
  return clip;
}

/** Waits for every promise, then returns all values or throws the first rejection. */
async function settleAll<T>(promises: readonly Promise<T>[]): Promise<T[]> {
  const results = await Promise.allSettled(promises);
  const failure = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failure) throw failure.reason;
  return results.map((result) => (result as PromiseFulfilledResult<T>).value);
}

async function loadBundledAudio(): Promise<AudioLibrary> {
  try {
    return await loadPreparedAudio();
  } catch (err) {
    // Without an index every text is synthesized instead.
    if (isVoiceLoadError(err) && err.code === 'VL_NO_AUDIO') return createAudioLibrary([]);
    throw err;
  }
}
