// eSpeak NG is GPL-3, so it runs as a separate program and is never linked.
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

import pLimit from 'p-limit';

import { UsageError, VoiceLoadError } from '../core/index.js';
import type { VoiceSettings } from './voices.js';

const execFileAsync = promisify(execFile);

export const ESPEAK_PROGRAM = 'espeak-ng';
/** eSpeak NG processes that may run at once in this process, across all callers. */
export const MAX_ESPEAK_PROCESSES = 2;
/** Time one eSpeak NG process may take before it is killed; a sentence takes well under a second. */
export const ESPEAK_TIMEOUT_MS = 60_000;

export interface CommandOptions {
  /** Environment of the child process; its PATH is where the program is looked up. */
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
}

/**
 * Runs a program without a shell and resolves with its output. Rejects with
 * the error of Node's `execFile`: code `ENOENT` when the program is not
 * found, otherwise the exit code or signal and `stderr`.
 */
export type CommandRunner = (file: string, args: readonly string[], options: CommandOptions) => Promise<{ stdout: string; stderr: string }>;

/** Runs commands with `child_process.execFile`. */
export const execFileRunner: CommandRunner = async (file, args, options) => {
  const { stdout, stderr } = await execFileAsync(file, [...args], { env: options.env ?? process.env, timeout: options.timeoutMs ?? 0, encoding: 'utf8' });
  return { stdout, stderr };
};

export interface EspeakOptions {
  /** Program name or path; `espeak-ng` by default. */
  program?: string;
  /** Runs the program; execFileRunner by default. Tests inject their own to count runs. */
  runner?: CommandRunner;
  /** Environment of the program; the current one by default. */
  env?: NodeJS.ProcessEnv;
}

const espeakSlots = pLimit(MAX_ESPEAK_PROCESSES);
const versions = new WeakMap<CommandRunner, Map<string, Promise<string>>>();

/**
 * Returns the first line of `espeak-ng --version`, such as
 * `eSpeak NG text-to-speech: 1.51  Data at: /usr/lib/...`. It is asked
 * once per runner, program and PATH. Throws UsageError VL_TTS_MISSING when
 * the program is not found.
 */
export function espeakVersion(options: EspeakOptions = {}): Promise<string> {
  const runner = options.runner ?? execFileRunner;
  const program = options.program ?? ESPEAK_PROGRAM;
  const key = `${program}\n${(options.env ?? process.env)['PATH'] ?? ''}`;

  let byKey = versions.get(runner);
  if (!byKey) versions.set(runner, (byKey = new Map()));
  let version = byKey.get(key);
  if (!version) {
    version = runner(program, ['--version'], { env: options.env, timeoutMs: ESPEAK_TIMEOUT_MS }).then(
      ({ stdout }) => stdout.split('\n')[0]!.trim(),
      (err: unknown) => {
        throw espeakError(err, program, ['--version'], 'reinstall eSpeak NG');
      },
    );
    // A failed lookup is not kept, so installing the program and trying again works.
    version.catch(() => byKey.delete(key));
    byKey.set(key, version);
  }
  return version;
}

/**
 * Synthesizes the text with `espeak-ng -w` and returns the WAV it wrote
 * (16-bit mono at eSpeak NG's own rate, 22050 Hz for its bundled voices).
 * The text goes through a file in `workDir`, which must be a folder of
 * this call alone, so no text can be read as an option. At most
 * MAX_ESPEAK_PROCESSES run at once. Throws UsageError VL_TTS_MISSING when
 * the program is not found and VoiceLoadError VL_TTS_FAILED when it fails.
 */
export async function synthesizeWav(text: string, settings: VoiceSettings, workDir: string, options: EspeakOptions = {}): Promise<Uint8Array> {
  const runner = options.runner ?? execFileRunner;
  const program = options.program ?? ESPEAK_PROGRAM;
  const textFile = path.join(workDir, 'text.txt');
  const wavFile = path.join(workDir, 'speech.wav');
  await writeFile(textFile, `${text}\n`, 'utf8');

  // eSpeak NG 1.51 cannot seek back in a pipe, so with `--stdout` it leaves
  // placeholder RIFF and data sizes near 2^31 in the header. `-w FILE` does not.
  const args = ['-v', settings.voice, '-s', String(settings.rate), '-p', String(settings.pitch), '-w', wavFile, '-f', textFile];
  await espeakSlots(async () => {
    try {
      await runner(program, args, { env: options.env, timeoutMs: ESPEAK_TIMEOUT_MS });
    } catch (err) {
      throw espeakError(err, program, args, `check that eSpeak NG has the voice ${settings.voice}`);
    }
  });

  try {
    return await readFile(wavFile);
  } catch (err) {
    throw new VoiceLoadError('VL_TTS_FAILED', `${program} ${args.join(' ')} wrote no WAV file: ${(err as Error).message}`, 'check the eSpeak NG installation');
  }
}

function espeakError(err: unknown, program: string, args: readonly string[], hint: string): VoiceLoadError {
  const error = err as NodeJS.ErrnoException & { stderr?: string; killed?: boolean };
  if (error.code === 'ENOENT') {
    return new UsageError(
      'VL_TTS_MISSING',
      `${program} not found on PATH, and it is needed to synthesize speech for texts without prepared audio`,
      'install eSpeak NG (Debian and Ubuntu: apt-get install espeak-ng), or name a WAV file for each such utterance in the scenario',
    );
  }
  if (error.killed) {
    return new VoiceLoadError('VL_TTS_FAILED', `${program} ${args.join(' ')} timed out after ${ESPEAK_TIMEOUT_MS} ms`, 'check that the text is a sentence or two, not a document');
  }
  return new VoiceLoadError('VL_TTS_FAILED', `${program} ${args.join(' ')} failed: ${error.stderr?.trim() || error.message}`, hint);
}
