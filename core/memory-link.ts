import type { Clock } from './clock.js';
import { VoiceLoadError } from './errors.js';
import type { Dialer, Link, WireMessage } from './link.js';

/** Close code a link reports when `close()` is called without one (RFC 6455 normal closure). */
const NORMAL_CLOSURE = 1000;
/** Delivered entries kept at the front of a non-empty inbox before the array is trimmed. */
const INBOX_TRIM_THRESHOLD = 1024;

/** A close in an inbox, behind the messages sent before it. */
class CloseDelivery {
  constructor(
    readonly code: number,
    readonly reason: string,
    /** True for the reply to a close this side started. */
    readonly echo: boolean,
  ) {}
}

/** A message is queued as it is, without a wrapper, because one goes out for every frame. */
type Delivery = WireMessage | CloseDelivery;

type LinkState = 'open' | 'closing' | 'closed';

/**
 * One end of an in-memory connection. Every message and close reaches the
 * other end through a zero-delay timer on the clock, one delivery per
 * timer and in send order, so microtasks run between deliveries as they
 * do between socket events. The link adds no delay and no loss.
 *
 * Closing follows the WebSocket closing handshake: the closing end stops
 * sending at once, still receives what the peer sent before it saw the
 * close, and runs its `onClose` handlers when the peer's reply arrives.
 */
export class MemoryLink implements Link {
  private peer!: MemoryLink;
  private state: LinkState = 'open';
  private readonly inbox: Delivery[] = [];
  private inboxHead = 0;
  private deliveryArmed = false;
  private readonly messageHandlers: Array<(message: WireMessage) => void> = [];
  private readonly closeHandlers: Array<(code: number, reason: string) => void> = [];

  constructor(private readonly clock: Clock) {}

  /** Connects two fresh links to each other. */
  static connect(a: MemoryLink, b: MemoryLink): void {
    a.peer = b;
    b.peer = a;
  }

  get open(): boolean {
    return this.state === 'open';
  }

  /** Queues a copy of `message` for the peer. Does nothing once this end is closing or closed. */
  send(message: WireMessage): void {
    if (this.state !== 'open') return;
    this.peer.enqueue(copyWireMessage(message));
  }

  close(code = NORMAL_CLOSURE, reason = ''): void {
    if (this.state !== 'open') return;
    this.state = 'closing';
    this.peer.enqueue(new CloseDelivery(code, reason, false));
  }

  onMessage(handler: (message: WireMessage) => void): void {
    this.messageHandlers.push(handler);
  }

  onClose(handler: (code: number, reason: string) => void): void {
    this.closeHandlers.push(handler);
  }

  private enqueue(delivery: Delivery): void {
    this.inbox.push(delivery);
    this.armDelivery();
  }

  private armDelivery(): void {
    if (this.deliveryArmed || this.inboxHead >= this.inbox.length) return;
    this.deliveryArmed = true;
    this.clock.setTimer(this.deliverNext, 0);
  }

  private readonly deliverNext = (): void => {
    this.deliveryArmed = false;
    const delivery = this.inbox[this.inboxHead++]!;
    this.trimInbox();
    // Armed before the handlers run, so a throwing handler cannot strand later deliveries.
    this.armDelivery();

    if (this.state === 'closed') return;
    if (!(delivery instanceof CloseDelivery)) {
      for (const handler of this.messageHandlers) handler(delivery);
      return;
    }
    this.receiveClose(delivery);
  };

  private receiveClose(delivery: CloseDelivery): void {
    // An open end replies to a close with a close carrying the same code,
    // as WebSocket peers do. When both ends closed at once, neither replies,
    // because each one's close already serves as the reply to the other.
    if (this.state === 'open' && !delivery.echo) {
      this.peer.enqueue(new CloseDelivery(delivery.code, delivery.reason, true));
    }
    this.state = 'closed';
    for (const handler of this.closeHandlers) handler(delivery.code, delivery.reason);
  }

  /** Drops delivered entries: all of them once the inbox is empty, else in bulk once they dominate. */
  private trimInbox(): void {
    if (this.inboxHead === this.inbox.length) {
      this.inbox.length = 0;
      this.inboxHead = 0;
      return;
    }
    if (this.inboxHead < INBOX_TRIM_THRESHOLD || this.inboxHead * 2 < this.inbox.length) return;
    this.inbox.splice(0, this.inboxHead);
    this.inboxHead = 0;
  }
}

/**
 * Returns the bytes a WebSocket peer would receive: binary messages as a
 * fresh Buffer the sender can no longer change, text as its UTF-8 round
 * trip, where a lone surrogate becomes U+FFFD.
 */
function copyWireMessage(message: WireMessage): WireMessage {
  if (typeof message !== 'string') return Buffer.from(message);
  return toWellFormed.call(message);
}

/** `String.prototype.toWellFormed`: ES2024, present in Node 20, but missing from the ES2022 lib this project compiles against. */
const toWellFormed = (String.prototype as unknown as { toWellFormed(this: string): string }).toWellFormed;

/** Two connected links: what one sends, the other receives. */
export function createMemoryLinkPair(clock: Clock): [MemoryLink, MemoryLink] {
  const a = new MemoryLink(clock);
  const b = new MemoryLink(clock);
  MemoryLink.connect(a, b);
  return [a, b];
}

/** What a listener learns about an accepted connection. */
export interface MemoryConnectionRequest {
  /** The URL as the client dialled it, query string included. */
  url: string;
}

export type MemoryConnectionHandler = (link: Link, request: MemoryConnectionRequest) => void;

/**
 * In-memory stand-in for WebSocket servers and clients. A listener is
 * registered at a URL and `dial` connects to it through the clock, so
 * code written against `Dialer` and `Link` runs unchanged. URLs match on
 * scheme, host and path; the query string and fragment are ignored.
 */
export class MemoryNetwork {
  private readonly listeners = new Map<string, MemoryConnectionHandler>();

  constructor(private readonly clock: Clock) {}

  /**
   * Accepts connections dialled to `url`, calling `handler` with the
   * server end before the dialler's promise resolves. Returns a function
   * that stops listening and leaves accepted links open. Throws
   * `VL_SIM_ADDRESS_IN_USE` when `url` already has a listener.
   */
  listen(url: string, handler: MemoryConnectionHandler): () => void {
    const key = addressOf(url);
    if (key === undefined) {
      throw new VoiceLoadError('VL_INVALID_URL', `invalid listen URL ${JSON.stringify(url)}`, 'pass an absolute URL such as ws://agent.sim/media');
    }
    if (this.listeners.has(key)) {
      throw new VoiceLoadError('VL_SIM_ADDRESS_IN_USE', `cannot listen on ${url}: ${key} already has a listener`, 'stop the other listener first or pick another path');
    }

    this.listeners.set(key, handler);
    return () => {
      if (this.listeners.get(key) === handler) this.listeners.delete(key);
    };
  }

  /** Connects to the listener at `url` on the next clock turn, or rejects with `VL_CONNECT_FAILED`. */
  readonly dial: Dialer = (url: string) =>
    new Promise<Link>((resolve, reject) => {
      this.clock.setTimer(() => {
        const key = addressOf(url);
        const handler = key === undefined ? undefined : this.listeners.get(key);
        if (handler === undefined) {
          const cause = key === undefined ? 'the URL is invalid' : 'nothing listens there in the simulated network';
          reject(new VoiceLoadError('VL_CONNECT_FAILED', `could not connect to ${url}: ${cause}`, 'check the URL and that a listener is registered before dialling'));
          return;
        }

        const [client, server] = createMemoryLinkPair(this.clock);
        handler(server, { url });
        resolve(client);
      }, 0);
    });
}

/** The scheme, host and path of `url`, or undefined when it does not parse. */
function addressOf(url: string): string | undefined {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
  } catch {
    return undefined;
  }
}
