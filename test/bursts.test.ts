import t from 'tap';

import { analyzeLoops, sameSound, type Burst, type BurstKind } from '../driver/index.js';

/** A burst whose envelope rises and falls like a spoken phrase of `frames` frames. */
function burst(kind: BurstKind, turn: number, frames: number, shape = 1): Burst {
  const envelope = Array.from({ length: frames }, (_, i) => -30 + 10 * Math.sin((i * shape * Math.PI) / frames));
  return { kind, turn, onsetAt: turn * 10000, lastVoicedAt: turn * 10000 + (frames - 1) * 20, envelope };
}

t.test('same reply to two turns sounds the same', async (t) => {
  t.equal(sameSound(burst('answer', 1, 100), burst('answer', 2, 100)), true);
});

t.test('different durations do not match', async (t) => {
  t.equal(sameSound(burst('answer', 1, 100), burst('answer', 2, 130)), false);
});

t.test('different envelopes do not match', async (t) => {
  t.equal(sameSound(burst('answer', 1, 100, 1), burst('answer', 2, 100, 7)), false);
});

t.test('distinct answers are no loop', async (t) => {
  const analysis = analyzeLoops([burst('greeting', 0, 150), burst('answer', 1, 100, 1), burst('answer', 2, 140, 3), burst('answer', 3, 80, 5)]);
  t.equal(analysis.responseLoop, false);
  t.equal(analysis.repeatedReplies, 0);
});

t.test('repeated replies make a loop', async (t) => {
  const analysis = analyzeLoops([burst('answer', 1, 100), burst('answer', 2, 100), burst('answer', 3, 100)]);
  t.equal(analysis.repeatedReplies, 2);
  t.equal(analysis.responseLoop, true);
});

t.test('one fragment alone is no loop', async (t) => {
  const analysis = analyzeLoops([burst('answer', 1, 100, 1), burst('fragment', 1, 40, 2)]);
  t.equal(analysis.fragments, 1);
  t.equal(analysis.responseLoop, false);
});

t.test('fragment plus repeat make a loop', async (t) => {
  const analysis = analyzeLoops([burst('answer', 1, 100), burst('fragment', 1, 100), burst('answer', 2, 60, 4)]);
  t.equal(analysis.repeatedReplies, 1, 'the fragment repeats the answer');
  t.equal(analysis.responseLoop, true);
});
