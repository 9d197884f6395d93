import WebSocket from 'ws';

import { VoiceLoadError } from './errors.js';

/** A message as it crossed the wire: text frames as strings, binary as Buffer. */
export type WireMessage = string | Buffer;

/**
 * One bidirectional, ordered message connection. Components talk only
 * through links, so a WebSocket and an in-memory pipe are interchangeable.
 */
export interface Link {
  send(message: WireMessage): void;
  close(code?: number, reason?: string): void;
  onMessage(handler: (message: WireMessage) => void): void;
  /** Called once when the link closes, from either side. */
  onClose(handler: (code: number, reason: string) => void): void;
  readonly open: boolean;
}

/** Opens links to URLs; the switch uses one to reach agents. */
export type Dialer = (url: string) => Promise<Link>;

/** Adapts a `ws` socket (client side or the server side from @fastify/websocket). */
export class WebSocketLink implements Link {
  private closeHandlers: Array<(code: number, reason: string) => void> = [];
  private closed = false;

  constructor(private readonly socket: WebSocket) {
    socket.on('close', (code: number, reason: Buffer) => this.finish(code, reason.toString()));
    // An 'error' is always followed by 'close'; the listener keeps it from
    // becoming an uncaught exception.
    socket.on('error', () => undefined);
  }

  get open(): boolean {
    return !this.closed && this.socket.readyState === WebSocket.OPEN;
  }

  send(message: WireMessage): void {
    if (!this.open) return;
    this.socket.send(message, { binary: typeof message !== 'string' });
  }

  close(code = 1000, reason = ''): void {
    if (this.closed) return;
    try {
      this.socket.close(code, reason);
    } catch {
      this.socket.terminate();
    }
  }

  onMessage(handler: (message: WireMessage) => void): void {
    this.socket.on('message', (data: WebSocket.RawData, isBinary: boolean) => {
      const buffer = toBuffer(data);
      handler(isBinary ? buffer : buffer.toString('utf8'));
    });
  }

  onClose(handler: (code: number, reason: string) => void): void {
    this.closeHandlers.push(handler);
  }

  private finish(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    for (const handler of this.closeHandlers) handler(code, reason);
  }
}

function toBuffer(data: WebSocket.RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

/** Connects a WebSocket client and resolves once it is open. */
export const dialWebSocket: Dialer = (url: string) =>
  new Promise<Link>((resolve, reject) => {
    const socket = new WebSocket(url, { perMessageDeflate: false });
    const fail = (err: Error) =>
      reject(new VoiceLoadError('VL_CONNECT_FAILED', `could not connect to ${url}: ${err.message}`, 'check that the server is running and the URL is right'));
    socket.once('error', fail);
    socket.once('open', () => {
      socket.off('error', fail);
      resolve(new WebSocketLink(socket));
    });
  });
