import type { Link } from '../core/index.js';
import { Call } from './call.js';
import { createIdGenerator } from './ids.js';
import { resolveSwitchOptions, validateSwitchOptions, type SwitchOptions } from './options.js';

/** The telephony switch core: transport-free, driven only by links and the clock. */
export interface Switch {
  /** Takes a new caller-leg connection, whose first text message must be `dial`. */
  handleCallerLink(link: Link): void;
  /** Calls whose caller link was taken and that have not ended yet. */
  readonly activeCalls: number;
  /** Ends every call with `switch_closed` and rejects new caller links. */
  close(): Promise<void>;
}

export function createSwitch(options: SwitchOptions): Switch {
  const resolved = resolveSwitchOptions(options);
  validateSwitchOptions(resolved);

  const createIds = createIdGenerator(resolved.seed);
  const calls = new Set<Call>();
  const onEnd = (call: Call) => calls.delete(call);
  let closed = false;

  return {
    handleCallerLink(link: Link): void {
      if (closed || !link.open) {
        resolved.logger.warn({ switchClosed: closed, linkOpen: link.open }, 'caller link not accepted');
        link.close(1001, 'switch closed');
        return;
      }
      calls.add(new Call(link, { options: resolved, createIds, onEnd }));
    },

    get activeCalls(): number {
      return calls.size;
    },

    async close(): Promise<void> {
      closed = true;
      for (const call of [...calls]) call.end('switch_closed');
    },
  };
}
