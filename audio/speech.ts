import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';

import { FRAME_BYTES, isVoiceLoadError, UsageError } from '../core/index.js';
import { clipFromSynthesizedWav, measureClip } from './clip.js';
import { espeakVersion, synthesizeWav, type EspeakOptions } from './espeak.js';
import { normalizeText, type Clip, type Role } from './library.js';
import { loadVad, type VadFactory } from './vad.js';
import { voiceFor, type VoiceSettings } from './voices.js';
import { encodeMulawWav, readWavAsMulaw8k } from './wav.js';

/**
 * Version of the clip processing (trim, onset cut, mu-law encoding). It is
 * part of each cache key, so changing the processing must raise it to stop
 * old cache files from being used.
 */
const CLIP_FORMAT_VERSION = 1;

export interface SpeechOptions extends EspeakOptions {
  /** Folder of cached clips; defaultSpeechCacheDir() when omitted. */
  cacheDir?: string;
  /** WebRTC VAD for measuring the voiced onset; loadVad() when omitted. */
  vad?: VadFactory;
}

/**
 * Returns the folder for synthesized clips: `$VOICE_LOAD_CACHE/speech` when
 * VOICE_LOAD_CACHE is set, else `$XDG_CACHE_HOME/voice-load/speech`, else
 * `~/.cache/voice-load/speech`.
 */
export function defaultSpeechCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env['VOICE_LOAD_CACHE']) return path.join(env['VOICE_LOAD_CACHE'], 'speech');
  const cacheHome = env['XDG_CACHE_HOME'] || path.join(homedir(), '.cache');
  return path.join(cacheHome, 'voice-load', 'speech');
}

/**
 * Returns the clip for a text in the voice that voiceFor picks for the
 * role, the same one `npm run prepare-audio` uses. A clip is synthesized
 * with eSpeak NG once and then read from the cache folder. The cache key is
 * the SHA-256 of the role, the normalized text, the voice, rate and pitch,
 * and the `espeak-ng --version` line, so another eSpeak NG version makes
 * new clips.
 * Throws UsageError VL_SPEECH_TEXT_EMPTY for a blank text, UsageError
 * VL_TTS_MISSING when espeak-ng is not found, and VoiceLoadError
 * VL_TTS_FAILED when it fails or writes no speech.
 */
export async function synthesizeClip(text: string, role: Role, options: SpeechOptions = {}): Promise<Clip> {
  const normalized = normalizeText(text);
  if (normalized === '') throw new UsageError('VL_SPEECH_TEXT_EMPTY', `the ${role} text to synthesize is empty`, 'give the utterance some words');

  const settings = voiceFor(role, normalized);
  const version = await espeakVersion(options);
  const cacheDir = options.cacheDir ?? defaultSpeechCacheDir(options.env);
  const cacheFile = path.join(cacheDir, `${role}-${cacheKey(role, normalized, settings, version)}.wav`);
  const vad = options.vad ?? (await loadVad());

  const cached = await readCachedClip(cacheFile, role, normalized, vad);
  if (cached) return cached;

  await mkdir(cacheDir, { recursive: true });
  const workDir = await mkdtemp(path.join(cacheDir, '.work-'));
  try {
    const wav = await synthesizeWav(normalized, settings, workDir, options);
    const clip = clipFromSynthesizedWav(role, normalized, wav, settings, vad);
    // Written beside the final name and renamed, so another process never reads half a file.
    const partial = path.join(workDir, 'clip.wav');
    await writeFile(partial, encodeMulawWav(clip.mulaw));
    await rename(partial, cacheFile);
    return clip;
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

function cacheKey(role: Role, text: string, settings: VoiceSettings, espeakVersionLine: string): string {
  const fields = [CLIP_FORMAT_VERSION, role, text, settings.voice, settings.rate, settings.pitch, espeakVersionLine];
  return createHash('sha256').update(JSON.stringify(fields), 'utf8').digest('hex');
}

/** Returns the cached clip, or undefined when the file is missing or unusable, so it is made again. */
async function readCachedClip(file: string, role: Role, text: string, vad: VadFactory): Promise<Clip | undefined> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }

  try {
    const mulaw = readWavAsMulaw8k(bytes, file);
    if (mulaw.length % FRAME_BYTES !== 0) return undefined;
    return measureClip(role, text, mulaw, vad);
  } catch (err) {
    if (isVoiceLoadError(err)) return undefined;
    throw err;
  }
}
