import seedrandom from 'seedrandom';

import { wavClipText, type AudioLibrary, type SpeechRequest } from '../audio/index.js';
import type { CallPlan, Utterance } from './call.js';
import { GENERIC_FOLLOW_UPS } from './follow-ups.js';
import { WAV_UTTERANCE_PREFIX, type Scenario, type ScenarioRow } from './scenario.js';

/** The calls of a run, in dial order, with the pause before each dial. */
export interface RunPlan {
  calls: CallPlan[];
  /** dialGapsMs[i] is the wait before dialling calls[i]; dialGapsMs[0] is 0. */
  dialGapsMs: number[];
}

/** Returns the audio library key of an utterance: its text, or the `wav:` key of its file. */
export function clipKey(utterance: string, baseDir: string): string {
  return utterance.startsWith(WAV_UTTERANCE_PREFIX) ? wavClipText(utterance.slice(WAV_UTTERANCE_PREFIX.length), baseDir) : utterance;
}

/** Returns the speech request that prepares an utterance before the run. */
export function callerSpeechRequest(utterance: string): SpeechRequest {
  return utterance.startsWith(WAV_UTTERANCE_PREFIX) ? { role: 'caller', wavPath: utterance.slice(WAV_UTTERANCE_PREFIX.length) } : { role: 'caller', text: utterance };
}

/** Returns the caller's utterance for each turn: the row's input, its follow-ups, then generic follow-ups in turn. */
export function turnTexts(row: ScenarioRow, maxTurns: number): string[] {
  const texts = [row.input, ...row.followUps].slice(0, maxTurns);
  for (let i = 0; texts.length < maxTurns; i++) texts.push(GENERIC_FOLLOW_UPS[i % GENERIC_FOLLOW_UPS.length]!);
  return texts;
}

/**
 * Builds every call of the run: rows x repeats, repeat by repeat. Each call
 * draws from its own seeded stream, keyed by the run seed and its call id,
 * so its gaps and frame phase do not depend on the other calls.
 */
export function buildRunPlan(scenario: Scenario, audio: AudioLibrary, callIdPrefix = 'call'): RunPlan {
  const calls: CallPlan[] = [];
  const width = String(scenario.rows.length * scenario.repeats).length;
  for (let repeat = 1; repeat <= scenario.repeats; repeat++) {
    scenario.rows.forEach((row, rowIndex) => {
      const callId = `${callIdPrefix}-${String(calls.length + 1).padStart(Math.max(4, width), '0')}`;
      calls.push(planCall(scenario, audio, row, rowIndex, repeat, callId));
    });
  }

  const dialRandom = seedrandom(`${scenario.seed}:dials`);
  const dialGapsMs = calls.map((_, index) => {
    const jitter = scenario.dialJitter * (2 * dialRandom() - 1);
    return index === 0 ? 0 : scenario.dialIntervalMs * (1 + jitter);
  });
  return { calls, dialGapsMs };
}

function planCall(scenario: Scenario, audio: AudioLibrary, row: ScenarioRow, rowIndex: number, repeat: number, callId: string): CallPlan {
  const random = seedrandom(`${scenario.seed}:call:${callId}`);
  const utterances: Utterance[] = turnTexts(row, scenario.maxTurns).map((text) => {
    const clip = audio.get('caller', clipKey(text, scenario.baseDir));
    return { text, mulaw: clip.mulaw, speechEndMs: clip.speechEndMs };
  });
  return {
    callId,
    row: rowIndex,
    repeat,
    expectedResult: row.result,
    utterances,
    callerGapsMs: utterances.map(() => scenario.callerGapMs * (0.5 + random())),
    framePhaseMs: scenario.framePhaseMs * random(),
  };
}
