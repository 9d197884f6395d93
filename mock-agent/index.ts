export { createMockAgent, type MockAgent, type MockAgentOptions } from './agent.js';
export { answerMarkName, answerText } from './answers.js';
export { MOCK_DEFAULTS, resolveMockConfig, STAGE_NAMES, type LatencyModel, type MockConfig, type MockConfigOverrides, type SendPacing, type StageName } from './config.js';
export { GREETING, REPLIES } from './phrases.js';
export type { CallEndReason, CallEndRecord, TurnRecord } from './records.js';
export { MOCK_SERVER_DEFAULTS, startMockAgentServer, type MockAgentServer, type MockAgentServerOptions } from './server.js';
export { UNLIMITED_GATE, createStage, createThinkPipeline, sampleLatencyMs, type ReleaseStage, type Stage, type StageContext, type StageOutcome, type StageGate, type StageTimings, type ThinkPipeline } from './stages.js';
