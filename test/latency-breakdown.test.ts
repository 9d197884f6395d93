import t from 'tap';

import { REPLIES } from '../mock-agent/index.js';
import { runStack } from './helpers/stack.js';

const STAGES = { stt: { medianMs: 120, sigma: 0 }, llm: { medianMs: 300, sigma: 0 }, tts: { medianMs: 90, sigma: 0 } };
const ENDPOINTING_MS = 400;
const TOLERANCE_MS = 5;

t.test('turn latency equals the sum of its parts', async (t) => {
  const { records, mockTurns, audio } = await runStack(
    { repeats: 1, maxParallel: 5, dialJitter: 0, framePhaseMs: 0, callerGapMs: 300 },
    { endpointingMs: ENDPOINTING_MS, stages: STAGES },
  );
  const configuredMs = ENDPOINTING_MS + STAGES.stt.medianMs + STAGES.llm.medianMs + STAGES.tts.medianMs;
  const errors: number[] = [];

  for (const record of records) {
    t.equal(record.result_completed, true, `${record.call_id} completed`);
    const cdr = record.switch!;
    t.ok(cdr, `${record.call_id} has the switch record`);
    for (const turn of record.turns) {
      const breakdown = cdr.turns.find((entry) => entry.turn === turn.turn)!;
      const mockTurn = mockTurns.find((entry) => entry.callSid === cdr.call_sid && entry.turn === turn.turn)!;
      const answer = turn.turn === 1 ? record.expected_result : REPLIES[(turn.turn - 2) % REPLIES.length]!;
      const clip = audio.get('agent', answer);
      // Frames the mock's VAD still called voiced after the frame that held the end of speech.
      const vadDelayMs = (mockTurn.lastVoicedChunk! - breakdown.flagged_chunk) * 20;
      // How late the mock's last timer fired, on the mock's own clock readings.
      const mockLateMs = mockTurn.answerSentAt - (mockTurn.endpointStartedAt + configuredMs);
      const expected = breakdown.uplink_ms + vadDelayMs + configuredMs + mockLateMs + breakdown.playout_wait_ms! + breakdown.downlink_ms! + clip.voicedOnsetMs;
      const error = turn.latency_ms! - expected;
      errors.push(Math.abs(error));
      t.comment(
        `${record.call_id} turn ${turn.turn}: latency ${turn.latency_ms} = uplink ${breakdown.uplink_ms.toFixed(2)} + vad ${vadDelayMs} + endpointing ${ENDPOINTING_MS} + stages ${configuredMs - ENDPOINTING_MS} + mock late ${mockLateMs.toFixed(2)} + playout ${breakdown.playout_wait_ms!.toFixed(2)} + downlink ${breakdown.downlink_ms} + onset ${clip.voicedOnsetMs} (${error >= 0 ? '+' : ''}${error.toFixed(2)})`,
      );
    }
  }

  errors.sort((a, b) => a - b);
  const p99 = errors[Math.min(errors.length - 1, Math.ceil(errors.length * 0.99) - 1)]!;
  t.equal(errors.length, 15, 'five calls of three turns');
  t.ok(p99 <= TOLERANCE_MS, `p99 difference ${p99.toFixed(2)} ms is within ${TOLERANCE_MS} ms`);
});
