import t from 'tap';

import { estimateRemainingMs, formatEta, formatProgress } from '../cli/progress.js';

const HALF_DONE = { total: 20, dialled: 14, active: 4, done: 10, completed: 9, failed: 1 };

t.test('progress line without elapsed time', async (t) => {
  t.equal(formatProgress(HALF_DONE, 1234.4), 'calls 10/20 done, 4 active, 1 not completed, p50 1234 ms');
});

t.test('ETA from the rate of calls done', async (t) => {
  t.equal(estimateRemainingMs(HALF_DONE, 30000), 30000, 'half done in 30 s leaves 30 s');
  t.equal(formatProgress(HALF_DONE, null, 30000), 'calls 10/20 done, 4 active, 1 not completed, p50 -, ETA 30s');
  t.equal(estimateRemainingMs({ ...HALF_DONE, done: 0 }, 5000), null, 'unknown before a call ends');
  t.equal(formatProgress({ ...HALF_DONE, done: 0 }, null, 5000).endsWith('ETA -'), true);
  t.equal(estimateRemainingMs({ ...HALF_DONE, done: 20 }, 60000), 0, 'nothing left when all are done');
});

t.test('ETA formats minutes and hours', async (t) => {
  t.equal(formatEta(0), '0s');
  t.equal(formatEta(12300), '13s', 'rounds seconds up');
  t.equal(formatEta(185000), '3m05s');
  t.equal(formatEta(3720000), '1h02m');
  t.equal(formatEta(null), '-');
});
