import type { Link, WireMessage } from '../../core/index.js';

/**
 * Records the message types crossing caller legs, per call and direction:
 * JSON events by name and binary frames as `audio`, with runs of the same
 * type collapsed, so traces compare across runs whose frame counts and
 * interleaving of the two directions differ by timing.
 */
export class CallerTraces {
  readonly byCall = new Map<string, { sent: string[]; received: string[] }>();

  wrap = (link: Link): Link => {
    let callId = '';
    const trace = { sent: [] as string[], received: [] as string[] };
    const note = (direction: '>' | '<', message: WireMessage) => {
      const type = typeof message === 'string' ? (JSON.parse(message) as { event: string }).event : 'audio';
      if (typeof message === 'string' && callId === '') {
        const parsed = JSON.parse(message) as { event: string; callId?: string };
        if (parsed.event === 'dial' && parsed.callId !== undefined) {
          callId = parsed.callId;
          this.byCall.set(callId, trace);
        }
      }
      const list = direction === '>' ? trace.sent : trace.received;
      if (list[list.length - 1] !== type) list.push(type);
    };
    return {
      get open() {
        return link.open;
      },
      send(message) {
        note('>', message);
        link.send(message);
      },
      close: (code, reason) => link.close(code, reason),
      onMessage(handler) {
        link.onMessage((message) => {
          note('<', message);
          handler(message);
        });
      },
      onClose: (handler) => link.onClose(handler),
    };
  };
}
