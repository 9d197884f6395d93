export { createMockAgent, type MockAgent, type MockAgentOptions } from './agent.js';
export { answerMarkName, answerText } from './answers.js';
export {
  LEAK_DEFAULTS,
  LEAK_MODES,
  MOCK_DEFAULTS,
  RATE_LIMIT_ACTIONS,
  RATE_LIMIT_DEFAULTS,
  resolveMockConfig,
  SEND_PACINGS,
  SLOW_PATH_DEFAULTS,
  STAGE_NAMES,
  type LatencyModel,
  type LeakConfig,
  type LeakMode,
  type LeakOverrides,
  type MockConfig,
  type MockConfigOverrides,
  type RateLimitAction,
  type RateLimitConfig,
  type SendPacing,
  type SlowPathConfig,
  type StageConfig,
  type StageName,
  type StageOverrides,
} from './config.js';
export type { FaultMetrics } from './faults.js';
export { registerFaultRoutes } from './fault-routes.js';
export { FAULT_PROFILES, PROFILE_NAMES, type FaultProfile, type ProfileName } from './profiles.js';
export { GREETING, REPLIES } from './phrases.js';
export type { CallEndReason, CallEndRecord, TurnRecord } from './records.js';
export { MOCK_SERVER_DEFAULTS, startMockAgentServer, type MockAgentServer, type MockAgentServerOptions } from './server.js';
export { createStage, createThinkPipeline, sampleLatencyMs, type DropReason, type Stage, type StageContext, type StageOutcome, type StageTimings, type ThinkPipeline, type ThinkResult } from './stages.js';
