import { MULAW_SILENCE } from '../audio/codec.js';
import { FRAME_BYTES } from '../core/index.js';

/** One frame taken from the buffer for sending to the caller. */
export interface PlayoutFrame {
  /**
   * Exactly FRAME_BYTES, with silence after the agent's audio when it ran
   * short. The buffer is reused by the next `takeFrame`: copy it to keep it.
   */
  payload: Buffer;
  /** Stream offset of the first agent byte in the frame. */
  startOffset: number;
  /** Agent bytes in the frame, 0 for a silence frame. */
  audioBytes: number;
}

interface PendingMark {
  name: string;
  /** Stream offset the audio must reach before the mark counts as played. */
  offset: number;
}

/**
 * Agent audio waiting to be played to the caller, with the agent's marks.
 * Offsets count every agent byte ever appended, so a mark's position stays
 * valid while the bytes before it are played or flushed.
 */
export class PlayoutBuffer {
  private chunks: Buffer[] = [];
  private headOffset = 0;
  private appended = 0;
  private consumed = 0;
  private marks: PendingMark[] = [];
  /** The frame `takeFrame` fills and returns. */
  private readonly frame = Buffer.alloc(FRAME_BYTES, MULAW_SILENCE);
  /** True while `frame` holds only silence, so a silent frame needs no fill. */
  private frameSilent = true;

  /** Stream offset just past the last byte appended. */
  get endOffset(): number {
    return this.appended;
  }

  /** Stream offset of the next byte to play. */
  get playedOffset(): number {
    return this.consumed;
  }

  get bufferedBytes(): number {
    return this.appended - this.consumed;
  }

  get pendingMarks(): number {
    return this.marks.length;
  }

  /** Appends agent audio and returns the stream offset of its first byte. */
  append(bytes: Buffer): number {
    const offset = this.appended;
    if (bytes.length === 0) return offset;
    this.chunks.push(bytes);
    this.appended += bytes.length;
    return offset;
  }

  /** Places a mark after all audio appended so far. */
  addMark(name: string): void {
    this.marks.push({ name, offset: this.appended });
  }

  /**
   * Takes the next frame. A partial remainder is sent padded with silence
   * because playout cannot wait for more audio without leaving a gap.
   */
  takeFrame(): PlayoutFrame {
    const startOffset = this.consumed;
    const payload = this.frame;
    let filled = 0;

    while (filled < FRAME_BYTES && this.chunks.length > 0) {
      const chunk = this.chunks[0]!;
      const count = Math.min(FRAME_BYTES - filled, chunk.length - this.headOffset);
      chunk.copy(payload, filled, this.headOffset, this.headOffset + count);
      filled += count;
      this.headOffset += count;
      if (this.headOffset === chunk.length) {
        this.chunks.shift();
        this.headOffset = 0;
      }
    }

    if (filled < FRAME_BYTES && !(filled === 0 && this.frameSilent)) payload.fill(MULAW_SILENCE, filled);
    this.frameSilent = filled === 0;
    this.consumed += filled;
    return { payload, startOffset, audioBytes: filled };
  }

  /** Removes and returns, in order, the marks whose audio has all been played. */
  takePlayedMarks(): string[] {
    if (this.marks.length === 0 || this.marks[0]!.offset > this.consumed) return [];
    let count = 0;
    while (count < this.marks.length && this.marks[count]!.offset <= this.consumed) count++;
    return this.marks.splice(0, count).map((mark) => mark.name);
  }

  /** Drops all buffered audio and returns every pending mark, in order. */
  clear(): string[] {
    this.chunks = [];
    this.headOffset = 0;
    this.consumed = this.appended;
    return this.marks.splice(0).map((mark) => mark.name);
  }
}
