import { mkdirSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { decodeMulaw } from '../audio/index.js';

/** Sample rate of the telephone audio and of the recordings, Hz. */
export const RECORDING_SAMPLE_RATE = 8000;
const SAMPLES_PER_MS = RECORDING_SAMPLE_RATE / 1000;
const CHANNELS = 2;
const BYTES_PER_SAMPLE = 2;
const WAV_HEADER_BYTES = 44;

interface TimedFrame {
  /** Sample index on the call's timeline. */
  at: number;
  pcm: Int16Array;
}

/**
 * Collects one call's audio in both directions and renders it as a stereo
 * WAV: the caller on the left channel, the agent on the right, both on the
 * call's timeline (ms from the dial), with silence where nothing was sent.
 */
export class CallRecorder {
  private readonly callerFrames: TimedFrame[] = [];
  private readonly agentFrames: TimedFrame[] = [];
  private agentEnd = 0;

  /** `originMs` is the clock time of the dial, so frame times become ms from the dial. */
  constructor(readonly callId: string, private readonly originMs: number) {}

  /** Adds a caller frame (160 bytes of mu-law) at its scheduled send time, clock ms. */
  caller(atMs: number, mulaw: Uint8Array): void {
    this.callerFrames.push({ at: this.sampleIndex(atMs), pcm: decodeMulaw(mulaw) });
  }

  /**
   * Adds an agent frame at its arrival time, clock ms. A frame that arrives
   * before the previous one has finished playing follows it directly, so
   * network jitter neither overlaps frames nor cuts gaps into speech.
   */
  agent(atMs: number, mulaw: Uint8Array): void {
    const at = Math.max(this.sampleIndex(atMs), this.agentEnd);
    const pcm = decodeMulaw(mulaw);
    this.agentFrames.push({ at, pcm });
    this.agentEnd = at + pcm.length;
  }

  /** Length of the recording so far, in samples per channel. */
  get length(): number {
    const end = (frames: TimedFrame[]) => frames.reduce((max, frame) => Math.max(max, frame.at + frame.pcm.length), 0);
    return Math.max(end(this.callerFrames), end(this.agentFrames));
  }

  /** Renders the recording as a 16-bit PCM stereo WAV file at 8 kHz. */
  toWav(): Buffer {
    const samples = this.length;
    const wav = Buffer.alloc(WAV_HEADER_BYTES + samples * CHANNELS * BYTES_PER_SAMPLE);
    writeWavHeader(wav, samples);
    placeFrames(wav, this.callerFrames, 0);
    placeFrames(wav, this.agentFrames, 1);
    return wav;
  }

  private sampleIndex(atMs: number): number {
    return Math.max(0, Math.round((atMs - this.originMs) * SAMPLES_PER_MS));
  }
}

/** Writes each frame's samples into one channel of the interleaved data; a later frame overwrites an earlier one where they overlap. */
function placeFrames(wav: Buffer, frames: TimedFrame[], channel: number): void {
  for (const frame of frames) {
    for (let i = 0; i < frame.pcm.length; i++) {
      const offset = WAV_HEADER_BYTES + ((frame.at + i) * CHANNELS + channel) * BYTES_PER_SAMPLE;
      wav.writeInt16LE(frame.pcm[i]!, offset);
    }
  }
}

/** Writes the canonical 44-byte RIFF header of a PCM WAV file. */
function writeWavHeader(wav: Buffer, samplesPerChannel: number): void {
  const dataBytes = samplesPerChannel * CHANNELS * BYTES_PER_SAMPLE;
  wav.write('RIFF', 0, 'ascii');
  wav.writeUInt32LE(36 + dataBytes, 4);
  wav.write('WAVE', 8, 'ascii');
  wav.write('fmt ', 12, 'ascii');
  wav.writeUInt32LE(16, 16);
  wav.writeUInt16LE(1, 20);
  wav.writeUInt16LE(CHANNELS, 22);
  wav.writeUInt32LE(RECORDING_SAMPLE_RATE, 24);
  wav.writeUInt32LE(RECORDING_SAMPLE_RATE * CHANNELS * BYTES_PER_SAMPLE, 28);
  wav.writeUInt16LE(CHANNELS * BYTES_PER_SAMPLE, 32);
  wav.writeUInt16LE(BYTES_PER_SAMPLE * 8, 34);
  wav.write('data', 36, 'ascii');
  wav.writeUInt32LE(dataBytes, 40);
}

/** Path of a call's recording inside a run folder. */
export function recordingPath(runDir: string, callId: string): string {
  return join(runDir, 'recordings', `${callId}.wav`);
}

/**
 * Hands out a recorder per call and writes each finished recording to
 * `<runDir>/recordings/<call_id>.wav`. The call does not await the write,
 * so a simulation on a virtual clock never waits on disk. `flush()` waits
 * for all writes and rejects with the first write error.
 */
export class RecordingStore {
  private readonly writes: Array<Promise<void>> = [];

  constructor(readonly runDir: string) {
    mkdirSync(join(runDir, 'recordings'), { recursive: true });
  }

  /** Starts the recording of a call dialled at clock time `originMs`. */
  open(callId: string, originMs: number): CallRecorder {
    return new CallRecorder(callId, originMs);
  }

  /** Starts writing a finished call's recording. */
  close(recorder: CallRecorder): void {
    this.writes.push(writeFile(recordingPath(this.runDir, recorder.callId), recorder.toWav()));
  }

  /** Resolves once every recording handed to `close` is on disk. */
  async flush(): Promise<void> {
    await Promise.all(this.writes);
  }
}
