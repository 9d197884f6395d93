import t from 'tap';

import { VirtualClock } from '../core/index.js';
import { mediaMessage } from '../mock-agent/outbound.js';
import { AgentStream } from '../telephony-sim/agent-leg.js';

// Media messages are written from templates for speed; each must be the
// exact text JSON.stringify gives for the same message. Test names hold the
// index of the stream id, because TAP output is split at U+2028.

const STREAM_IDS = ['MZ0123456789abcdef0123456789abcdef', 'MZ"quoted"\\back', 'MZ\u00e9\u2028\ud83d\ude00', ''];

function payload(length: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let index = 0; index < length; index++) bytes[index] = (seed * 31 + index * 17) & 0xff;
  return bytes;
}

t.test('mock outbound media matches stringify', async (t) => {
  for (const [index, streamSid] of STREAM_IDS.entries()) {
    for (const length of [0, 1, 2, 3, 160, 333]) {
      const audio = payload(length, length);
      const expected = JSON.stringify({ event: 'media', streamSid, media: { payload: Buffer.from(audio).toString('base64') } });
      t.equal(mediaMessage(streamSid, audio), expected, `stream id ${index}, ${length} bytes`);
    }
  }
});

t.test('switch inbound media matches stringify', async (t) => {
  for (const [index, streamSid] of STREAM_IDS.entries()) {
    const clock = new VirtualClock();
    const sent: string[] = [];
    const stream = new AgentStream((message) => sent.push(message), clock, { accountSid: 'AC1', callSid: 'CA1', streamSid });
    stream.start({ result: 'ok' });
    await clock.run({ untilMs: 37.4 });
    const frame = payload(160, 9);
    const chunk = stream.media(frame.subarray(0, 160));
    t.equal(chunk, 1);
    const expected = JSON.stringify({
      event: 'media',
      sequenceNumber: '2',
      streamSid,
      media: { track: 'inbound', chunk: '1', timestamp: '37', payload: Buffer.from(frame).toString('base64') },
    });
    t.equal(sent.at(-1), expected, `stream id ${index}`);
    t.same(JSON.parse(sent.at(-1)!), JSON.parse(expected));
  }
});
