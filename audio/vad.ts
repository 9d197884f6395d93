import fvad from '@echogarden/fvad-wasm';

import { VoiceLoadError } from '../core/errors.js';

/** WebRTC VAD aggressiveness: 3 is the most aggressive of modes 0..3. */
export const DEFAULT_VAD_MODE = 3;
const VAD_SAMPLE_RATE = 8000;
const FRAME_SAMPLES = 160;

/** The subset of the Emscripten module that @echogarden/fvad-wasm exposes. */
interface FvadModule {
  HEAP16: Int16Array;
  _malloc(bytes: number): number;
  _free(pointer: number): void;
  _fvad_new(): number;
  _fvad_free(instance: number): void;
  _fvad_set_mode(instance: number, mode: number): number;
  _fvad_set_sample_rate(instance: number, rate: number): number;
  _fvad_process(instance: number, frame: number, samples: number): number;
}

/** One voice-activity detector with its own adaptive state; one per stream. */
export interface Vad {
  /** Classifies one 20 ms frame of 160 samples at 8 kHz. */
  isVoiced(frame: Int16Array): boolean;
  free(): void;
}

export interface VadFactory {
  create(mode?: number): Vad;
}

let modulePromise: Promise<FvadModule> | undefined;

/** Loads the WASM module once per thread and returns a detector factory. */
export async function loadVad(): Promise<VadFactory> {
  modulePromise ??= (fvad as unknown as () => Promise<FvadModule>)();
  const wasm = await modulePromise;
  return { create: (mode = DEFAULT_VAD_MODE) => createVad(wasm, mode) };
}

function createVad(wasm: FvadModule, mode: number): Vad {
  const instance = wasm._fvad_new();
  if (instance === 0) throw new VoiceLoadError('VL_VAD_FAILED', 'WebRTC VAD could not allocate a detector');
  if (wasm._fvad_set_mode(instance, mode) !== 0) {
    wasm._fvad_free(instance);
    throw new VoiceLoadError('VL_VAD_FAILED', `invalid VAD mode ${mode}`, 'use a mode from 0 to 3');
  }
  wasm._fvad_set_sample_rate(instance, VAD_SAMPLE_RATE);
  const buffer = wasm._malloc(FRAME_SAMPLES * 2);
  let freed = false;

  return {
    isVoiced(frame: Int16Array): boolean {
      if (freed) return false;
      // HEAP16 is replaced when WASM memory grows, so read it on every call.
      wasm.HEAP16.set(frame.length === FRAME_SAMPLES ? frame : frame.subarray(0, FRAME_SAMPLES), buffer >> 1);
      return wasm._fvad_process(instance, buffer, FRAME_SAMPLES) === 1;
    },
    free(): void {
      if (freed) return;
      freed = true;
      wasm._free(buffer);
      wasm._fvad_free(instance);
    },
  };
}
