import t from 'tap';

import { VirtualClock } from '../core/index.js';
import { parseInbound, parseInboundJson, SWITCH_MEDIA } from '../mock-agent/inbound.js';
import { mediaMessage } from '../mock-agent/outbound.js';
import { AgentStream } from '../telephony-sim/agent-leg.js';
import { parseAgentMessage } from '../telephony-sim/agent-messages.js';

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

t.test('agent media takes only standard padded base64', async (t) => {
  const media = (text: string) => parseAgentMessage(JSON.stringify({ event: 'media', streamSid: 'MZ1', media: { payload: text } }), 'MZ1');
  const accepted: Array<[string, number[]]> = [
    ['AAAA', [0, 0, 0]],
    ['/+8=', [255, 239]],
    ['QQ==', [65]],
    ['QUJDRA==', [65, 66, 67, 68]],
  ];
  for (const [text, bytes] of accepted) {
    const parsed = media(text);
    t.equal(parsed.kind, 'media', `${text} accepted`);
    if (parsed.kind === 'media') t.same([...parsed.audio], bytes, `${text} decoded`);
  }
  const rejected = ['QUJ', 'QU-D', 'QU_D', 'QU D', 'QUJ\n', 'QQ==QUFB', 'Q===', '====', 'QUJ\u00e9', 'QUJD\u0000AAA', '=QUJ', 'QUJDR==='];
  for (const text of rejected) t.same(media(text), { kind: 'invalid', warning: 'invalid_base64' }, `${JSON.stringify(text)} rejected`);
  t.same(media(''), { kind: 'invalid', warning: 'empty_payload' }, 'empty payload');
});

/** Media messages as the switch writes them, one per stream id. */
async function switchMedia(): Promise<string[]> {
  const messages: string[] = [];
  for (const streamSid of STREAM_IDS) {
    const clock = new VirtualClock();
    const sent: string[] = [];
    const stream = new AgentStream((message) => sent.push(message), clock, { accountSid: 'AC1', callSid: 'CA1', streamSid });
    stream.start({ result: 'ok' });
    await clock.run({ untilMs: 120 });
    stream.media(payload(160, streamSid.length));
    messages.push(sent.at(-1)!);
  }
  return messages;
}

t.test('mock reads switch media as JSON.parse does', async (t) => {
  const messages = await switchMedia();
  // The stream id with a quote and a backslash is escaped, so only that message takes the JSON path.
  t.same(
    messages.map((message) => SWITCH_MEDIA.test(message)),
    [true, false, true, true],
    'template matched where nothing is escaped',
  );
  for (const [index, message] of messages.entries()) {
    t.same(parseInbound(message), parseInboundJson(message), `stream id ${index}`);
    t.equal(parseInbound(message).ok, true, `stream id ${index} valid`);
  }
});

t.test('mock reads every one-character edit of switch media as JSON.parse does', async (t) => {
  const edits = ['"', '\\', ' ', 'a', '0', '=', '\u0001', '}', ',', '\u00e9'];
  for (const [index, message] of (await switchMedia()).entries()) {
    let checked = 0;
    const differing: string[] = [];
    const check = (text: string): void => {
      checked++;
      if (JSON.stringify(parseInbound(text)) !== JSON.stringify(parseInboundJson(text))) differing.push(text);
    };
    for (let at = 0; at <= message.length; at++) {
      if (at < message.length) check(message.slice(0, at) + message.slice(at + 1));
      for (const edit of edits) {
        check(message.slice(0, at) + edit + message.slice(at));
        if (at < message.length) check(message.slice(0, at) + edit + message.slice(at + 1));
      }
    }
    t.same(differing.slice(0, 3), [], `stream id ${index}: ${checked} edits read alike`);
  }
});
