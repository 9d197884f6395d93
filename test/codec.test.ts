import t from 'tap';

import { decodeMulaw, encodeMulaw, levelDbfs, MULAW_SILENCE } from '../audio/codec.js';
import { loadVad } from '../audio/vad.js';

t.test('mu-law round trip stays within quantization', async (t) => {
  const samples = Int16Array.from({ length: 160 }, (_, i) => Math.round(8000 * Math.sin(i / 5)));
  const decoded = decodeMulaw(encodeMulaw(samples));
  let worst = 0;
  for (let i = 0; i < samples.length; i++) worst = Math.max(worst, Math.abs(decoded[i]! - samples[i]!));
  t.ok(worst < 300, `largest error ${worst} is under 300 at amplitude 8000`);
});

t.test('silence byte decodes to zero', async (t) => {
  t.equal(decodeMulaw(Uint8Array.of(MULAW_SILENCE))[0], 0);
  t.equal(levelDbfs(new Int16Array(160)), -Infinity);
});

t.test('vad rejects digital silence', async (t) => {
  const vad = (await loadVad()).create();
  t.teardown(() => vad.free());
  t.equal(vad.isVoiced(new Int16Array(160)), false);
});
