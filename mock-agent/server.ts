import type { AddressInfo } from 'node:net';

import fastifyWebsocket from '@fastify/websocket';
import Fastify from 'fastify';

import { WebSocketLink } from '../core/index.js';

import { createMockAgent, type MockAgent, type MockAgentOptions } from './agent.js';
import { registerFaultRoutes } from './fault-routes.js';
import { createMockMetrics, PROMETHEUS_CONTENT_TYPE } from './metrics.js';

export interface MockAgentServerOptions extends MockAgentOptions {
  /** Interface to listen on, 127.0.0.1 by default. */
  host?: string;
  /** TCP port. The default 0 lets the system choose a free ephemeral port. */
  port?: number;
}

export interface MockAgentServer {
  /** WebSocket URL of the media stream endpoint, such as `ws://127.0.0.1:PORT/media`. */
  url: string;
  port: number;
  agent: MockAgent;
  /** Ends every stream, then stops listening. */
  close(): Promise<void>;
}

export const MOCK_SERVER_DEFAULTS = Object.freeze({ host: '127.0.0.1', port: 0, mediaPath: '/media' });

/**
 * Starts the mock agent behind fastify: WebSocket `/media` for Twilio Media
 * Streams, `GET /health` returning `{ status: 'ok', activeCalls }` and
 * `GET /metrics` in Prometheus text format. The caller's `onTurn` and
 * `onCallEnd` listeners still run, after the metrics count each record.
 */
export async function startMockAgentServer(options: MockAgentServerOptions): Promise<MockAgentServer> {
  const { host = MOCK_SERVER_DEFAULTS.host, port = MOCK_SERVER_DEFAULTS.port, ...agentOptions } = options;
  const metrics = createMockMetrics();
  const agent = createMockAgent({
    ...agentOptions,
    onTurn: (record) => {
      metrics.recordTurn(record);
      agentOptions.onTurn?.(record);
    },
    onCallEnd: (record) => {
      metrics.recordCallEnd(record);
      agentOptions.onCallEnd?.(record);
    },
  });
  const logger = agentOptions.logger;

  const app = Fastify({ logger: false });
  await app.register(fastifyWebsocket);
  app.get(MOCK_SERVER_DEFAULTS.mediaPath, { websocket: true }, (socket) => {
    try {
      agent.handleLink(new WebSocketLink(socket));
    } catch (err) {
      logger.error({ err }, 'media stream failed to start, so its socket is closed');
      socket.terminate();
    }
  });
  app.get('/health', async () => ({ status: 'ok', activeCalls: agent.activeCalls }));
  app.get('/metrics', async (_request, reply) => reply.type(PROMETHEUS_CONTENT_TYPE).send(metrics.render(agent.activeCalls, agent.faultMetrics)));
  registerFaultRoutes(app, agent);

  await app.listen({ host, port });
  const bound = (app.server.address() as AddressInfo).port;
  logger.info({ host, port: bound }, 'mock agent listening');

  return {
    url: `ws://${formatHost(host)}:${bound}${MOCK_SERVER_DEFAULTS.mediaPath}`,
    port: bound,
    agent,
    async close() {
      agent.close();
      await app.close();
      logger.info({ port: bound }, 'mock agent stopped');
    },
  };
}

/** Brackets an IPv6 literal for use in a URL. */
function formatHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}
