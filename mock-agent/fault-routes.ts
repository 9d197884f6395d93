import type { FastifyInstance } from 'fastify';

import { isVoiceLoadError } from '../core/index.js';

import type { MockAgent } from './agent.js';
import type { MockConfigOverrides } from './config.js';

/**
 * Adds `GET /faults`, which returns the agent's current config, and
 * `PUT /faults`, which applies a JSON body of config overrides to it for
 * every request that starts from then on and returns the new config. An
 * invalid body gets status 400 with `{ code, message, hint }` and leaves the
 * config as it was.
 */
export function registerFaultRoutes(app: FastifyInstance, agent: MockAgent): void {
  app.get('/faults', async () => agent.config);

  app.put('/faults', async (request, reply) => {
    try {
      return agent.updateConfig((request.body ?? {}) as MockConfigOverrides);
    } catch (err) {
      if (!isVoiceLoadError(err)) throw err;
      return reply.code(400).send({ code: err.code, message: err.message, hint: err.hint });
    }
  });
}
