import { Command, Option } from 'commander';

import { loadPreparedAudio, loadVad } from '../audio/index.js';
import { createLogger, RealClock, UsageError, type Logger } from '../core/index.js';
import { parseSeed, SCENARIO_DEFAULTS } from '../driver/index.js';
import { MOCK_DEFAULTS, startMockAgentServer } from '../mock-agent/index.js';
import { parseSwitchMetricsText, startSwitchServer, SWITCH_DEFAULTS, SWITCH_OPTION_TABLE, type ParsedSwitchMetrics, type SwitchModelOptions, type SwitchServerOptions } from '../telephony-sim/index.js';
import { collectRoute, flag, LOG_LEVELS, parseFlagNumber, parseHost, parseLogLevel, parsePort, repeatableFlag, type Route } from './flags.js';
import type { Output } from './run-command.js';

/** Defaults of the `mock-agent` and `switch` commands. The ports are the ones docker-compose.yml uses. */
export const SERVER_COMMAND_DEFAULTS = Object.freeze({
  host: '127.0.0.1',
  mockAgentPort: 8081,
  switchPort: 8080,
  logLevel: 'info',
});

/** A server started by a command: its public URL and how to stop it. */
interface RunningServer {
  url: string;
  close(): Promise<void>;
}

/**
 * A switch setting exposed as a `switch` command flag. Each row becomes one
 * option, and its parsed value is passed to `startSwitchServer` under `key`.
 */
export interface SwitchFlag {
  key: keyof SwitchModelOptions;
  flags: string;
  description: string;
  parse: (value: string) => number;
}

const AGENT_CONNECT_TIMEOUT_FLAG: SwitchFlag = {
  key: 'agentConnectTimeoutMs',
  flags: '--agent-connect-timeout-ms <ms>',
  description: `Maximum wait for the agent's WebSocket to open before the call is rejected (ms, default ${SWITCH_DEFAULTS.agentConnectTimeoutMs})`,
  parse: (value: string) => parseFlagNumber(value, '--agent-connect-timeout-ms', 0, 600000),
};

/**
 * Flags of the switch's tunable options, one per row of SWITCH_OPTION_TABLE,
 * plus the agent connect timeout unless the table lists it. Each takes a
 * number of at least 0, and the switch checks the rest of its range (a
 * ratio at most 1, for example) when it starts.
 */
export const SWITCH_FLAGS: readonly SwitchFlag[] = Object.freeze([
  ...SWITCH_OPTION_TABLE.map((row) => ({
    key: row.name,
    flags: `${row.flag} <${row.unit}>`,
    description: `${row.description.replace(/\.$/, '')} (${row.unit}, default ${row.default})`,
    parse: (value: string) => parseFlagNumber(value, row.flag, 0, Infinity),
  })),
  ...(SWITCH_OPTION_TABLE.some((row) => row.name === AGENT_CONNECT_TIMEOUT_FLAG.key) ? [] : [AGENT_CONNECT_TIMEOUT_FLAG]),
]);

/** Adds the `mock-agent` and `switch` commands, each of which serves until SIGTERM or SIGINT. */
export function addServerCommands(program: Command, output: Output): void {
  const mockAgent = program
    .command('mock-agent')
    .description('Serve the mock agent: Twilio Media Streams on ws://HOST:PORT/media, with GET /health and GET /metrics.');
  addListenOptions(mockAgent, SERVER_COMMAND_DEFAULTS.mockAgentPort);
  mockAgent
    .addOption(new Option('--seed <seed>', `seed of every random draw, keyed per call by its callSid (default ${SCENARIO_DEFAULTS.seed})`).argParser(flag(parseSeed)))
    .addOption(new Option('--endpointing-ms <ms>', `ms of caller silence that ends a caller turn (default ${MOCK_DEFAULTS.endpointingMs})`).argParser(flag((v) => parseFlagNumber(v, '--endpointing-ms', 0, 60000))))
    .action(async (flags: Record<string, unknown>) => {
      await serveUntilStopped('mock-agent', flags, output, startMockAgent);
    });

  const switchCommand = program
    .command('switch')
    .description('Serve the telephony switch: the caller leg on ws://HOST:PORT/call, with GET /health and GET /metrics.');
  addListenOptions(switchCommand, SERVER_COMMAND_DEFAULTS.switchPort);
  switchCommand
    .addOption(new Option('--route <number=url>', 'route a dialled number to an agent\'s WebSocket URL, such as +15550100=ws://127.0.0.1:8081/media (repeatable, at least one)').argParser(repeatableFlag(collectRoute)))
    .addOption(new Option('--seed <seed>', 'seed of the generated call ids and of every random draw of the switch').argParser(flag(parseSeed)));
  for (const row of SWITCH_FLAGS) switchCommand.addOption(new Option(row.flags, row.description).argParser(flag(row.parse)));
  switchCommand.action(async (flags: Record<string, unknown>) => {
    await serveUntilStopped('switch', flags, output, startSwitch);
  });
}

function addListenOptions(command: Command, defaultPort: number): void {
  command
    .addOption(new Option('-p, --port <port>', 'TCP port to listen on, 0 for a free one').argParser(flag(parsePort)).default(defaultPort))
    .addOption(new Option('--host <host>', 'interface to listen on, such as 0.0.0.0 for every IPv4 interface').argParser(flag(parseHost)).default(SERVER_COMMAND_DEFAULTS.host))
    .addOption(new Option('--log-level <level>', `level of the pino logs written to stderr: ${LOG_LEVELS.join(', ')} (default ${SERVER_COMMAND_DEFAULTS.logLevel}, or VOICE_LOAD_LOG_LEVEL)`).argParser(flag(parseLogLevel)));
}

async function startMockAgent(flags: Record<string, unknown>, logger: Logger): Promise<RunningServer> {
  const [audio, vad] = await Promise.all([loadPreparedAudio(), loadVad()]);
  const endpointingMs = flags['endpointingMs'] as number | undefined;

  return startMockAgentServer({
    clock: new RealClock(),
    audio,
    vad,
    seed: (flags['seed'] as string | undefined) ?? SCENARIO_DEFAULTS.seed,
    config: endpointingMs === undefined ? {} : { endpointingMs },
    logger,
    host: flags['host'] as string,
    port: flags['port'] as number,
  });
}

async function startSwitch(flags: Record<string, unknown>, logger: Logger): Promise<RunningServer> {
  const routes = (flags['route'] as Route[] | undefined) ?? [];
  if (routes.length === 0) {
    throw new UsageError('VL_MISSING_ROUTE', 'the switch has no route, so it would reject every call', 'add --route NUMBER=URL, such as --route +15550100=ws://127.0.0.1:8081/media');
  }

  const options: SwitchServerOptions = {
    clock: new RealClock(),
    routes: Object.fromEntries(routes.map((route) => [route.number, route.url])),
    logger,
    host: flags['host'] as string,
    port: flags['port'] as number,
  };
  if (flags['seed'] !== undefined) options.seed = flags['seed'] as string;
  for (const row of SWITCH_FLAGS) {
    const value = flags[attributeName(row.flags)];
    if (value !== undefined) options[row.key] = value as number;
  }
  return startSwitchServer(options);
}

/** Returns the property that commander stores a flag's value under, such as `agentConnectTimeoutMs` for `--agent-connect-timeout-ms <ms>`. */
function attributeName(flags: string): string {
  return new Option(flags).attributeName();
}

/**
 * Starts a server, prints `NAME listening on URL` as the first line of
 * stdout, and resolves once SIGTERM or SIGINT has closed it. A second
 * signal during the close gets Node's default handling, which ends the
 * process at once.
 */
async function serveUntilStopped(
  name: string,
  flags: Record<string, unknown>,
  output: Output,
  start: (flags: Record<string, unknown>, logger: Logger) => Promise<RunningServer>,
): Promise<void> {
  const level = (flags['logLevel'] as string | undefined) ?? process.env['VOICE_LOAD_LOG_LEVEL'] ?? SERVER_COMMAND_DEFAULTS.logLevel;
  const logger = createLogger(name, level);
  const server = await start(flags, logger);
  output.out(`${name} listening on ${server.url}\n`);

  const signal = await nextStopSignal();
  logger.info({ signal }, 'stop signal received, closing');
  await server.close();
}

function nextStopSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      resolve(signal);
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
}

/** Adds one flag per switch setting (calls per second, channels, network model, routing engine) to `command`. */
export function addSwitchModelOptions(command: Command): Command {
  for (const row of SWITCH_FLAGS) command.addOption(new Option(row.flags, row.description).argParser(flag(row.parse)));
  return command;
}

/** Collects the switch settings given as flags. */
export function switchModelOptionsFrom(flags: Record<string, unknown>): SwitchModelOptions {
  const options: SwitchModelOptions = {};
  for (const row of SWITCH_FLAGS) {
    const value = flags[attributeName(row.flags)];
    if (value !== undefined) (options as Record<string, unknown>)[row.key] = value;
  }
  return options;
}

/**
 * Returns the URL of `GET /metrics` beside the caller leg at `switchUrl`:
 * ws://HOST:PORT/call gives http://HOST:PORT/metrics, and wss gives https.
 */
export function switchMetricsUrl(switchUrl: string): string {
  const url = new URL('metrics', switchUrl);
  url.protocol = url.protocol === 'wss:' ? 'https:' : 'http:';
  return url.href;
}

/**
 * Reads a running switch's metrics from `GET /metrics` at `metricsUrl`.
 * Rejects when the request fails or is aborted, when the status is not 200,
 * or when the body has no switch metrics.
 */
export async function fetchSwitchMetrics(metricsUrl: string, signal: AbortSignal): Promise<ParsedSwitchMetrics> {
  const response = await fetch(metricsUrl, { signal });
  if (response.status !== 200) {
    await response.body?.cancel();
    throw new Error(`GET ${metricsUrl} returned status ${response.status}, expected 200`);
  }
  return parseSwitchMetricsText(await response.text());
}
