import type { MarkEvent } from '../core/index.js';

import type { MockConfig } from './config.js';
import type { CallRandom } from './random.js';

/**
 * Splits `audio` into consecutive chunks whose sizes are drawn uniformly from
 * [minChunkBytes, maxChunkBytes]. The last chunk contains the rest and may be
 * shorter. Sizes ignore the 160-byte frame grid, as real agents' bursts do.
 */
export function splitBurst(audio: Uint8Array, random: CallRandom, sizes: Pick<MockConfig, 'minChunkBytes' | 'maxChunkBytes'>): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  let offset = 0;
  while (offset < audio.length) {
    const size = random.integer(sizes.minChunkBytes, sizes.maxChunkBytes);
    chunks.push(audio.subarray(offset, offset + size));
    offset += size;
  }
  return chunks;
}

/**
 * The media message `JSON.stringify` would write for an `OutboundMediaEvent`,
 * built as a template because it goes out for every frame the agent speaks.
 * Only the stream id can contain characters that JSON escapes, because base64 never does.
 */
export function mediaMessage(streamSid: string, audio: Uint8Array): string {
  const payload = Buffer.from(audio.buffer, audio.byteOffset, audio.byteLength).toString('base64');
  return `{"event":"media","streamSid":${JSON.stringify(streamSid)},"media":{"payload":"${payload}"}}`;
}

export function markMessage(streamSid: string, name: string): string {
  const event: MarkEvent = { event: 'mark', streamSid, mark: { name } };
  return JSON.stringify(event);
}
