import seedrandom from 'seedrandom';
import t from 'tap';

import { createMemoryLinkPair, MemoryNetwork, VirtualClock, type Link, type WireMessage } from '../core/index.js';

const AGENT_URL = 'ws://agent.sim/media';

/** Records the messages and closes one link receives, with the virtual time of each. */
function record(link: Link, clock: VirtualClock): { messages: WireMessage[]; times: number[]; closes: Array<[number, string, number]> } {
  const seen = { messages: [] as WireMessage[], times: [] as number[], closes: [] as Array<[number, string, number]> };
  link.onMessage((message) => {
    seen.messages.push(message);
    seen.times.push(clock.now());
  });
  link.onClose((code, reason) => seen.closes.push([code, reason, clock.now()]));
  return seen;
}

t.test('pair keeps message order', async (t) => {
  const clock = new VirtualClock({ seed: 'order' });
  const [a, b] = createMemoryLinkPair(clock);
  const seen = record(b, clock);
  const sent: WireMessage[] = [];
  for (let index = 0; index < 100; index++) {
    const message = index % 3 === 0 ? Buffer.from([index]) : JSON.stringify({ index });
    sent.push(message);
    a.send(message);
  }

  await clock.run();
  t.same(seen.messages, sent);
});

t.test('pair carries both directions', async (t) => {
  const clock = new VirtualClock();
  const [a, b] = createMemoryLinkPair(clock);
  const seenByA = record(a, clock);
  const seenByB = record(b, clock);
  a.send('to b');
  b.send('to a');

  await clock.run();
  t.same(seenByB.messages, ['to b'], 'b received');
  t.same(seenByA.messages, ['to a'], 'a received');
});

t.test('strings stay strings', async (t) => {
  const clock = new VirtualClock();
  const [a, b] = createMemoryLinkPair(clock);
  const seen = record(b, clock);
  const json = JSON.stringify({ event: 'media', media: { payload: Buffer.from([0xff, 0x7f]).toString('base64') } });
  a.send(json);

  await clock.run();
  t.equal(typeof seen.messages[0], 'string', 'type');
  t.equal(seen.messages[0], json, 'text');
});

t.test('lone surrogate arrives as U+FFFD', async (t) => {
  const clock = new VirtualClock();
  const [a, b] = createMemoryLinkPair(clock);
  const seen = record(b, clock);
  a.send('x\uD800y');

  await clock.run();
  t.equal(seen.messages[0], 'x\uFFFDy', 'as a WebSocket would carry it');
  t.equal(seen.messages[0], Buffer.from('x\uD800y', 'utf8').toString('utf8'), 'matches the UTF-8 round trip');
});

t.test('binary messages are copied', async (t) => {
  const clock = new VirtualClock();
  const [a, b] = createMemoryLinkPair(clock);
  const seen = record(b, clock);
  const sent = Buffer.from([1, 2, 3, 4]);
  a.send(sent);
  sent[0] = 99;

  await clock.run();
  const received = seen.messages[0] as Buffer;
  t.ok(Buffer.isBuffer(received), 'received a Buffer');
  t.same([...received], [1, 2, 3, 4], 'sender change after send not visible');

  received[1] = 77;
  t.equal(sent[1], 2, 'receiver change not visible to sender');
});

t.test('delivery is asynchronous', async (t) => {
  const clock = new VirtualClock();
  const [a, b] = createMemoryLinkPair(clock);
  const seen = record(b, clock);
  a.send('hello');
  t.equal(seen.messages.length, 0, 'not delivered inside send');

  await Promise.resolve();
  t.equal(seen.messages.length, 0, 'not delivered by microtasks');
  t.equal(clock.pendingTimers, 1, 'delivery waits on the clock');

  await clock.run();
  t.equal(seen.messages.length, 1, 'delivered by the clock');
});

t.test('delivery takes no virtual time', async (t) => {
  const clock = new VirtualClock();
  const [a, b] = createMemoryLinkPair(clock);
  const seen = record(b, clock);
  clock.setTimer(() => {
    a.send('one');
    a.send('two');
  }, 250);

  await clock.run();
  t.same(seen.times, [250, 250]);
});

t.test('microtasks run between deliveries', async (t) => {
  const clock = new VirtualClock();
  const [a, b] = createMemoryLinkPair(clock);
  const log: string[] = [];
  b.onMessage((message) => {
    log.push(`got ${String(message)}`);
    void Promise.resolve()
      .then(() => undefined)
      .then(() => log.push(`handled ${String(message)}`));
  });
  a.send('1');
  a.send('2');

  await clock.run();
  t.same(log, ['got 1', 'handled 1', 'got 2', 'handled 2']);
});

t.test('close reaches both sides once', async (t) => {
  const clock = new VirtualClock();
  const [a, b] = createMemoryLinkPair(clock);
  const seenByA = record(a, clock);
  const seenByB = record(b, clock);
  clock.setTimer(() => {
    a.close(4000, 'done');
    a.close(4001, 'again');
  }, 30);

  await clock.run();
  t.same(seenByA.closes, [[4000, 'done', 30]], 'closing side');
  t.same(seenByB.closes, [[4000, 'done', 30]], 'other side');
});

t.test('close handlers run through the clock', async (t) => {
  const clock = new VirtualClock();
  const [a, b] = createMemoryLinkPair(clock);
  const seenByA = record(a, clock);
  const seenByB = record(b, clock);
  a.close();
  await Promise.resolve();

  t.equal(seenByA.closes.length, 0, 'closing side not called inside close');
  t.equal(seenByB.closes.length, 0, 'other side not called inside close');
  t.equal(a.open, false, 'closing side no longer open');
  t.equal(b.open, true, 'other side open until the close arrives');

  await clock.run();
  t.same(seenByA.closes, [[1000, '', 0]], 'default code on the closing side');
  t.equal(b.open, false, 'other side closed after delivery');
});

t.test('close follows messages already sent', async (t) => {
  const clock = new VirtualClock();
  const [a, b] = createMemoryLinkPair(clock);
  const log: string[] = [];
  a.onMessage((message) => log.push(`a got ${String(message)}`));
  a.onClose(() => log.push('a closed'));
  b.onMessage((message) => log.push(`b got ${String(message)}`));
  b.onClose(() => log.push('b closed'));
  a.send('a1');
  b.send('b1');
  a.close();
  b.send('b2');

  await clock.run();
  t.same(log.filter((entry) => entry.startsWith('b')), ['b got a1', 'b closed'], 'b sees the message before the close');
  t.same(log.filter((entry) => entry.startsWith('a')), ['a got b1', 'a got b2', 'a closed'], 'a sees everything b sent before the close');
});

t.test('send after close is dropped', async (t) => {
  const clock = new VirtualClock();
  const [a, b] = createMemoryLinkPair(clock);
  const seenByA = record(a, clock);
  const seenByB = record(b, clock);
  a.close();
  a.send('late from a');
  await clock.run();
  b.send('late from b');
  await clock.run();

  t.same(seenByB.messages, [], 'closing side cannot send');
  t.same(seenByA.messages, [], 'closed side cannot send');
});

t.test('simultaneous close reaches both sides once', async (t) => {
  const clock = new VirtualClock();
  const [a, b] = createMemoryLinkPair(clock);
  const seenByA = record(a, clock);
  const seenByB = record(b, clock);
  a.close(4001, 'from a');
  b.close(4002, 'from b');

  await clock.run();
  t.same(seenByA.closes, [[4002, 'from b', 0]], 'a gets the close from b');
  t.same(seenByB.closes, [[4001, 'from a', 0]], 'b gets the close from a');
  t.equal(clock.pendingTimers, 0, 'nothing left to deliver');
});

t.test('dial connects to the listener', async (t) => {
  const clock = new VirtualClock();
  const network = new MemoryNetwork(clock);
  const urls: string[] = [];
  const serverLog: string[] = [];
  network.listen(AGENT_URL, (link, request) => {
    urls.push(request.url);
    link.send('connected');
    link.onMessage((message) => {
      serverLog.push(String(message));
      link.send(`echo ${String(message)}`);
    });
  });

  const clientLog: string[] = [];
  const client = network.dial(`${AGENT_URL}?call=7`).then((link) => {
    link.onMessage((message) => clientLog.push(String(message)));
    link.send('hello');
    return link;
  });

  await clock.run();
  t.equal((await client).open, true, 'client link open');
  t.same(urls, [`${AGENT_URL}?call=7`], 'listener sees the dialled URL');
  t.same(serverLog, ['hello'], 'server received');
  t.same(clientLog, ['connected', 'echo hello'], 'client received');
});

t.test('dial to unknown URL fails', async (t) => {
  const clock = new VirtualClock();
  const network = new MemoryNetwork(clock);
  let settled = false;
  const dialled = network.dial('ws://nobody.sim/media').finally(() => (settled = true));
  dialled.catch(() => undefined);
  await Promise.resolve();
  t.equal(settled, false, 'not settled before the clock runs');

  await clock.run();
  await t.rejects(dialled, { code: 'VL_CONNECT_FAILED' }, 'rejects with the code');
});

t.test('dial to invalid URL fails', async (t) => {
  const clock = new VirtualClock();
  const network = new MemoryNetwork(clock);
  const dialled = network.dial('not a url');
  dialled.catch(() => undefined);
  await clock.run();
  await t.rejects(dialled, { code: 'VL_CONNECT_FAILED' });
});

t.test('second listener on a URL is rejected', async (t) => {
  const network = new MemoryNetwork(new VirtualClock());
  network.listen(AGENT_URL, () => undefined);
  t.throws(() => network.listen(`${AGENT_URL}?other=1`, () => undefined), { code: 'VL_SIM_ADDRESS_IN_USE' }, 'same path');
  t.throws(() => network.listen('relative/path', () => undefined), { code: 'VL_INVALID_URL' }, 'invalid URL');
});

t.test('stopped listener refuses dials', async (t) => {
  const clock = new VirtualClock();
  const network = new MemoryNetwork(clock);
  const stop = network.listen(AGENT_URL, () => undefined);
  stop();
  const dialled = network.dial(AGENT_URL);
  dialled.catch(() => undefined);
  await clock.run();
  await t.rejects(dialled, { code: 'VL_CONNECT_FAILED' });
});

/**
 * Runs `calls` pseudo-calls against an echo agent: each dials at a seeded
 * instant on a 10 ms grid (so many dial at once), sends five frames 20 ms
 * apart, waits for the echoes and hangs up. Returns the event log.
 */
async function simulateCalls(seed: string, calls: number): Promise<string> {
  const clock = new VirtualClock({ seed });
  const network = new MemoryNetwork(clock);
  const log: string[] = [];
  const state = new Map<string, string>();

  network.listen(AGENT_URL, (link, request) => {
    const callId = new URL(request.url).searchParams.get('call') ?? '?';
    const random = seedrandom(`${seed}:agent:${callId}`);
    link.onMessage((message) => {
      const frame = Buffer.from(message as Buffer);
      clock.setTimer(() => {
        log.push(`${clock.now()} agent ${callId} echo ${frame.readUInt8(0)}`);
        link.send(JSON.stringify({ event: 'media', callId, payload: frame.toString('base64') }));
      }, Math.floor(random() * 3) * 10);
    });
    link.onClose((code) => log.push(`${clock.now()} agent ${callId} closed ${code}`));
  });

  const runCall = async (callId: string): Promise<void> => {
    const random = seedrandom(`${seed}:call:${callId}`);
    state.set(callId, 'waiting to dial');
    await clock.sleep(Math.floor(random() * 10) * 10);

    state.set(callId, 'dialling');
    const link = await network.dial(`${AGENT_URL}?call=${callId}`);
    log.push(`${clock.now()} ${callId} connected`);
    let echoes = 0;
    const allEchoed = new Promise<void>((resolve) => {
      link.onMessage((message) => {
        log.push(`${clock.now()} ${callId} got ${String(message).length} chars`);
        if (++echoes === 5) resolve();
      });
    });
    const closed = new Promise<void>((resolve) => link.onClose(() => resolve()));

    state.set(callId, 'talking');
    for (let frame = 0; frame < 5; frame++) {
      link.send(Buffer.from([frame, 0x7f]));
      await clock.sleep(20);
    }
    await allEchoed;
    link.close(1000, 'hangup');
    await closed;
    log.push(`${clock.now()} ${callId} ended`);
    state.delete(callId);
  };

  const done = Promise.all(Array.from({ length: calls }, (_, index) => runCall(`call-${index}`)));
  await clock.run({ pending: () => [...state].map(([callId, callState]) => `${callId} (${callState})`) });
  await done;
  return log.join('\n');
}

t.test('identical simulations log identically', async (t) => {
  const first = await simulateCalls('determinism', 200);
  const second = await simulateCalls('determinism', 200);
  const other = await simulateCalls('other-seed', 200);

  t.equal(first.split('\n').length, 200 * 13, 'log lines');
  t.ok(Buffer.from(first).equals(Buffer.from(second)), 'same seed, byte-identical log');
  t.not(other, first, 'another seed, another log');
});
