import websocket from '@fastify/websocket';
import Fastify from 'fastify';

import { dialWebSocket, WebSocketLink, type Clock, type Dialer, type Logger } from '../core/index.js';
import type { SwitchModelOptions } from './options.js';
import { PROMETHEUS_CONTENT_TYPE } from './prometheus.js';
import { createSwitch, type Switch } from './switch.js';

export interface SwitchServerOptions extends SwitchModelOptions {
  /** Interface to listen on, 127.0.0.1 by default. */
  host?: string;
  /** TCP port, where 0 (the default) picks a free one. */
  port?: number;
  clock: Clock;
  dial?: Dialer;
  routes: Record<string, string>;
  logger: Logger;
  seed?: string | number;
}

export interface SwitchServer {
  /** Caller-leg WebSocket URL, `ws://HOST:PORT/call`. */
  url: string;
  port: number;
  core: Switch;
  /** Ends every call, then closes the server and its sockets. */
  close(): Promise<void>;
}

/**
 * Serves the switch over WebSocket `/call`, with `GET /health`, `GET /metrics`
 * (Prometheus text) and `GET /routes` (dialled number to agent URL).
 */
export async function startSwitchServer(options: SwitchServerOptions): Promise<SwitchServer> {
  const { host = '127.0.0.1', port = 0, dial = dialWebSocket, logger, ...switchOptions } = options;
  const core = createSwitch({ ...switchOptions, dial, logger });
  const routes = { ...options.routes };

  const app = Fastify({ loggerInstance: logger.child({ component: 'switch-http' }) });
  await app.register(websocket);
  app.get('/call', { websocket: true }, (socket) => core.handleCallerLink(new WebSocketLink(socket)));
  app.get('/health', async () => ({ status: 'ok', activeCalls: core.activeCalls }));
  app.get('/metrics', async (_request, reply) => reply.type(PROMETHEUS_CONTENT_TYPE).send(core.metricsText()));
  app.get('/routes', async () => routes);

  await app.listen({ host, port });
  const address = app.server.address();
  const boundPort = typeof address === 'object' && address !== null ? address.port : port;
  logger.info({ host, port: boundPort }, 'switch listening');

  return {
    url: `ws://${formatHost(host)}:${boundPort}/call`,
    port: boundPort,
    core,
    async close() {
      await core.close();
      await app.close();
      logger.info({ port: boundPort }, 'switch stopped');
    },
  };
}

function formatHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}
