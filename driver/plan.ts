import seedrandom from 'seedrandom';

import { wavClipText, type AudioLibrary, type SpeechRequest } from '../audio/index.js';
import type { CallPlan, Utterance } from './call.js';
import { GENERIC_FOLLOW_UPS } from './follow-ups.js';
import { WAV_UTTERANCE_PREFIX, type Scenario, type ScenarioRow } from './scenario.js';

/** One call of a run and the pause before dialling it. */
export interface PlannedDial {
  call: CallPlan;
  /** Wait after the previous dial in ms, 0 for the first call. */
  gapMs: number;
}

/**
 * The calls of a run in dial order. `dials()` builds each call only when
 * the run reaches it, so a long run keeps no plan of a call that has ended
 * or is still to come.
 */
export interface RunPlan {
  count: number;
  dials(): Generator<PlannedDial>;
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
  // Every clip is looked up now, so a missing one fails the run before its first dial.
  for (const row of scenario.rows) {
    for (const text of turnTexts(row, scenario.maxTurns)) audio.get('caller', clipKey(text, scenario.baseDir));
  }

  const count = scenario.rows.length * scenario.repeats;
  const width = Math.max(4, String(count).length);
  return {
    count,
    *dials() {
      const dialRandom = seedrandom(`${scenario.seed}:dials`);
      let index = 0;
      for (let repeat = 1; repeat <= scenario.repeats; repeat++) {
        for (const [rowIndex, row] of scenario.rows.entries()) {
          const callId = `${callIdPrefix}-${String(index + 1).padStart(width, '0')}`;
          const jitter = scenario.dialJitter * (2 * dialRandom() - 1);
          const gapMs = index === 0 ? 0 : scenario.dialIntervalMs * (1 + jitter);
          yield { call: planCall(scenario, audio, row, rowIndex, repeat, callId), gapMs };
          index++;
        }
      }
    },
  };
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
