import { Command, CommanderError, Option } from 'commander';

import { isVoiceLoadError, type VoiceLoadError } from '../core/index.js';
import { parseNumber, parseParallel, parseSeed, parseTarget, SCENARIO_DEFAULTS } from '../driver/index.js';
import { flag, parseWebSocketUrl } from './flags.js';
import { EXIT_THRESHOLD_FAILED, parseThreshold, type Threshold } from '../analysis/thresholds.js';
import { runCommand, VERSION, type Output, type RunMode, type ScenarioOverrides } from './run-command.js';
import { addCompareCommand } from './compare-command.js';
import { addReportCommand } from './report-command.js';
import { addServeCommand } from './serve.js';
import { addAnalyzeCommand } from './analyze-command.js';
import { addMockFaultOptions, mockFaultOptionsFrom } from './mock-flags.js';
import { addSweepCommand } from './sweep-command.js';
import { addValidateCommand } from './validate-command.js';
import { addServerCommands, addSwitchModelOptions, switchModelOptionsFrom } from './servers.js';

/** Exit statuses: 0 success, 1 run failure, 2 usage error, 3 a threshold failed. */
export const EXIT = Object.freeze({ ok: 0, failure: 1, usage: 2, thresholdFailed: EXIT_THRESHOLD_FAILED });

export function buildProgram(output: Output, setExitCode: (code: number) => void): Command {
  const program = new Command('voice-load')
    .description('Load-test voice agents offline: concurrent simulated phone calls, as real speech, through a simulated telephony switch.')
    .version(VERSION)
    .exitOverride()
    .configureOutput({ writeOut: (text) => output.out(text), writeErr: (text) => output.err(text) });

  const runCommandLine = program
    .command('run')
    .description('Place the scenario\'s calls and measure turn-taking latency and completion (default scenario: scenarios/support.yaml).')
    .argument('[scenario]', 'scenario YAML file')
    .addOption(new Option('-c, --concurrency <calls>', 'calls in progress at once, or "unlimited" (scenario maxParallel)').argParser(flag(parseParallel)))
    .addOption(new Option('-r, --repeats <count>', 'times each scenario row is called (scenario repeats)').argParser(flag((v) => parseNumber(v, 'repeats', 1, 1e6))))
    .addOption(new Option('--max-turns <count>', 'caller turns per call (scenario maxTurns)').argParser(flag((v) => parseNumber(v, 'maxTurns', 1, 100))))
    .addOption(new Option('--turn-timeout-ms <ms>', `ms to wait for the agent to start answering (default ${SCENARIO_DEFAULTS.turnTimeoutMs})`).argParser(flag((v) => parseNumber(v, 'turnTimeoutMs', 100, 600000))))
    .addOption(new Option('--dial-interval-ms <ms>', `mean ms between dials, jittered by +-50% (default ${SCENARIO_DEFAULTS.dialIntervalMs})`).argParser(flag((v) => parseNumber(v, 'dialIntervalMs', 0, 3600000))))
    .addOption(new Option('--target <agent>', '"mock" for the built-in mock agent, or the ws:// URL of a real agent (Twilio Media Streams) that the built-in switch routes to').argParser(flag(parseTarget)))
    .addOption(new Option('--switch <url>', 'caller-leg URL of a switch already running, such as ws://127.0.0.1:8080/call (`voice-load switch`); no built-in servers start').argParser(flag((v) => parseWebSocketUrl(v, '--switch'))))
    .addOption(new Option('--number <phone>', `number dialled, routed by the switch to the target (default ${SCENARIO_DEFAULTS.number})`))
    .addOption(new Option('--seed <seed>', 'seed for every random draw (dial gaps, pauses, mock think times)').argParser(flag(parseSeed)))
    .addOption(new Option('-o, --out <dir>', 'folder for calls.jsonl, summary.json, run.json and report.html (default results/<time>-<scenario>)'))
    .addOption(new Option('--mode <mode>', '"live": real time over WebSockets on 127.0.0.1; "sim": simulated time in memory, built-in mock agent only, seconds for thousands of calls').choices(['live', 'sim']).default('live'))
    .addOption(new Option('--arrival-rate <calls/s>', 'dial at this many calls per second (seeded jitter) instead of --dial-interval-ms; a call due while --concurrency calls are active is recorded as not_started: driver_cap').argParser(flag((v) => parseNumber(v, 'arrivalRate', 0.001, 10000))))
    .addOption(new Option('--ramp-up-ms <ms>', 'ms over which the arrival rate climbs linearly from 0 (needs --arrival-rate)').argParser(flag((v) => parseNumber(v, 'rampUpMs', 0, 3600000))))
    .addOption(new Option('--redial <count>', 'times a call rejected for CPS or channels is dialled again (default 0)').argParser(flag((v) => parseNumber(v, 'redial', 0, 100))))
    .addOption(new Option('--threshold <condition>', 'pass condition on a summary.json field, such as conv_latency_p90<1500 (repeatable); a failed one exits with status 3').argParser((value: string, previous?: Threshold[]) => [...(previous ?? []), flag(parseThreshold)(value)]))
    .addOption(new Option('--json', 'print summary.json on stdout; the table goes to stderr'))
    .addOption(new Option('--record', 'write each call as a stereo WAV (caller left, agent right) to <out>/recordings/<call_id>.wav'));
  addSwitchModelOptions(runCommandLine);
  addMockFaultOptions(runCommandLine);
  runCommandLine.action(async (scenarioPath: string | undefined, flags: Record<string, unknown>) => {
      const overrides = scenarioOverrides(flags);
      const outcome = await runCommand(
        {
          scenarioPath,
          overrides,
          outDir: flags['out'] as string | undefined,
          switchUrl: flags['switch'] as string | undefined,
          mode: flags['mode'] as RunMode,
          switchOptions: switchModelOptionsFrom(flags),
          mockConfig: mockFaultOptionsFrom(flags),
          thresholds: flags['threshold'] as Threshold[] | undefined,
          json: flags['json'] === true,
          record: flags['record'] === true,
        },
        output,
      );
      setExitCode(outcome.summary.calls.total === 0 ? EXIT.failure : outcome.thresholdStatus);
    });

  addSweepCommand(program, output, setExitCode);
  addAnalyzeCommand(program, output);
  addValidateCommand(program, output, setExitCode);
  addServerCommands(program, output);
  addReportCommand(program, output);
  addCompareCommand(program, output);
  addServeCommand(program, output);
  return program;
}

function scenarioOverrides(flags: Record<string, unknown>): ScenarioOverrides {
  const overrides: ScenarioOverrides = {};
  if (flags['concurrency'] !== undefined) overrides.maxParallel = flags['concurrency'] as number;
  if (flags['repeats'] !== undefined) overrides.repeats = flags['repeats'] as number;
  if (flags['maxTurns'] !== undefined) overrides.maxTurns = flags['maxTurns'] as number;
  if (flags['turnTimeoutMs'] !== undefined) overrides.turnTimeoutMs = flags['turnTimeoutMs'] as number;
  if (flags['dialIntervalMs'] !== undefined) overrides.dialIntervalMs = flags['dialIntervalMs'] as number;
  if (flags['target'] !== undefined) overrides.target = flags['target'] as string;
  if (flags['number'] !== undefined) overrides.number = String(flags['number']);
  if (flags['seed'] !== undefined) overrides.seed = flags['seed'] as string;
  if (flags['arrivalRate'] !== undefined) overrides.arrivalRate = flags['arrivalRate'] as number;
  if (flags['rampUpMs'] !== undefined) overrides.rampUpMs = flags['rampUpMs'] as number;
  if (flags['redial'] !== undefined) overrides.redial = flags['redial'] as number;
  return overrides;
}

/** Runs the CLI with `argv` (without node and script) and returns the exit status. */
export async function main(argv: string[], output: Output): Promise<number> {
  let exitCode: number = EXIT.ok;
  const program = buildProgram(output, (code) => (exitCode = code));
  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (err) {
    return reportError(err, output);
  }
}

function reportError(err: unknown, output: Output): number {
  if (err instanceof CommanderError) {
    // Help and version output exit 0; commander has already printed its message.
    return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
  }
  if (isVoiceLoadError(err)) {
    output.err(formatError(err));
    return err.usage ? EXIT.usage : EXIT.failure;
  }
  output.err(`error VL_INTERNAL: ${(err as Error)?.stack ?? String(err)}\n`);
  return EXIT.failure;
}

function formatError(err: VoiceLoadError): string {
  return `error ${err.code}: ${err.message}\n${err.hint === '' ? '' : `  fix: ${err.hint}\n`}`;
}
