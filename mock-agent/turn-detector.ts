/** Change in the caller's turn caused by one classified frame. */
export type TurnSignal =
  /** Enough voiced frames in a row: the caller started speaking. */
  | 'speech_started'
  /** First unvoiced frame after speech: endpointing silence begins. */
  | 'paused'
  /** Voiced frame during endpointing silence: the caller goes on. */
  | 'resumed'
  | 'none';

/**
 * Tracks caller speech from per-frame VAD decisions. Speech starts after
 * `framesToStart` voiced frames in a row. Once it has started, each run of
 * unvoiced frames is one pause, which the next voiced frame ends.
 */
export class TurnDetector {
  private voicedRun = 0;
  private inSpeech = false;
  private paused = false;

  constructor(private readonly framesToStart: number) {}

  push(voiced: boolean): TurnSignal {
    return voiced ? this.pushVoiced() : this.pushUnvoiced();
  }

  /** Forgets all speech seen so far, as at the start of a call. */
  reset(): void {
    this.voicedRun = 0;
    this.inSpeech = false;
    this.paused = false;
  }

  private pushVoiced(): TurnSignal {
    this.voicedRun++;
    if (!this.inSpeech) {
      if (this.voicedRun < this.framesToStart) return 'none';
      this.inSpeech = true;
      return 'speech_started';
    }
    if (!this.paused) return 'none';
    this.paused = false;
    return 'resumed';
  }

  private pushUnvoiced(): TurnSignal {
    this.voicedRun = 0;
    if (!this.inSpeech || this.paused) return 'none';
    this.paused = true;
    return 'paused';
  }
}
