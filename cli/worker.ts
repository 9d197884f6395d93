// Entry point of the worker thread that serves the default run's switch and
// mock agent, so that the driver's event loop is not shared with them.
// cli/worker-host.ts starts it and defines the messages they exchange.
import { parentPort, workerData } from 'node:worker_threads';

import { loadVad, prepareSpeech } from '../audio/index.js';
import { createLogger, isVoiceLoadError, RealClock } from '../core/index.js';
import { startEmbeddedServers, type EmbeddedServers } from './embedded.js';
import { WORKER_FAILED_CODE, type SerializedError, type ServerWorkerData, type ServerWorkerReply, type ServerWorkerRequest } from './worker-host.js';

if (parentPort === null) {
  throw new Error('cli/worker.js runs only as a worker thread started by cli/worker-host.js');
}
const port = parentPort;
const logger = createLogger('voice-load').child({ component: 'server-worker' });

let servers: EmbeddedServers | undefined;

port.on('message', (request: ServerWorkerRequest) => {
  if (request.type === 'close') void close();
  // The host requests samples only once the servers listen, and drops a request that gets no reply by its deadline.
  if (request.type === 'sample-switch' && servers !== undefined) send({ type: 'switch-sample', id: request.id, sample: servers.switchServer.core.sampleMetrics() });
});

try {
  servers = await start(workerData as ServerWorkerData);
  send({ type: 'listening', switchUrl: servers.switchUrl, agentUrl: servers.agentUrl });
} catch (err) {
  logger.error({ err }, 'servers failed to start');
  send({ type: 'failed', error: serializeError(err) });
  port.close();
}

async function start(data: ServerWorkerData): Promise<EmbeddedServers> {
  const vad = await loadVad();
  const audio = await prepareSpeech(data.agentTexts.map((text) => ({ role: 'agent' as const, text })), { vad });
  return startEmbeddedServers({ clock: new RealClock(), audio, vad, seed: data.seed, number: data.number, target: data.target, mockConfig: data.mockConfig, switchOptions: data.switchOptions, logger });
}

async function close(): Promise<void> {
  try {
    await servers?.close();
    send({ type: 'closed' });
  } catch (err) {
    logger.error({ err }, 'servers failed to close');
    send({ type: 'failed', error: serializeError(err) });
  }
  // With its port closed and its servers stopped, the thread has nothing left to run and exits.
  port.close();
}

function send(reply: ServerWorkerReply): void {
  port.postMessage(reply);
}

function serializeError(err: unknown): SerializedError {
  if (isVoiceLoadError(err)) return { code: err.code, message: err.message, hint: err.hint, usage: err.usage };
  const message = err instanceof Error ? err.message : String(err);
  return { code: WORKER_FAILED_CODE, message: `server worker failed: ${message}`, hint: 'see the error logged on stderr above', usage: false };
}
