import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';

import { isVoiceLoadError, type VoiceLoadError } from '../core/index.js';
import { parseNumber, parseParallel, parseSeed, parseTarget, SCENARIO_DEFAULTS } from '../driver/index.js';
import { runCommand, VERSION, type Output, type ScenarioOverrides } from './run-command.js';

/** Exit statuses: 0 success, 1 run failure, 2 usage error. */
export const EXIT = Object.freeze({ ok: 0, failure: 1, usage: 2 });

/** Wraps a field parser so commander reports its message as an invalid argument. */
function flag<T>(parse: (value: string) => T): (value: string) => T {
  return (value: string) => {
    try {
      return parse(value);
    } catch (err) {
      throw new InvalidArgumentError(isVoiceLoadError(err) ? err.message : String(err));
    }
  };
}

export function buildProgram(output: Output, setExitCode: (code: number) => void): Command {
  const program = new Command('voice-load')
    .description('Load-test voice agents offline: concurrent simulated phone calls, as real speech, through a simulated telephony switch.')
    .version(VERSION)
    .exitOverride()
    .configureOutput({ writeOut: (text) => output.out(text), writeErr: (text) => output.err(text) });

  program
    .command('run')
    .description('Place the scenario\'s calls and measure turn-taking latency and completion (default scenario: scenarios/support.yaml).')
    .argument('[scenario]', 'scenario YAML file')
    .addOption(new Option('-c, --concurrency <calls>', 'calls in progress at once, or "unlimited" (scenario maxParallel)').argParser(flag(parseParallel)))
    .addOption(new Option('-r, --repeats <count>', 'times each scenario row is called (scenario repeats)').argParser(flag((v) => parseNumber(v, 'repeats', 1, 1e6))))
    .addOption(new Option('--max-turns <count>', 'caller turns per call (scenario maxTurns)').argParser(flag((v) => parseNumber(v, 'maxTurns', 1, 100))))
    .addOption(new Option('--turn-timeout-ms <ms>', `ms to wait for the agent to start answering (default ${SCENARIO_DEFAULTS.turnTimeoutMs})`).argParser(flag((v) => parseNumber(v, 'turnTimeoutMs', 100, 600000))))
    .addOption(new Option('--dial-interval-ms <ms>', `mean ms between dials, jittered by +-50% (default ${SCENARIO_DEFAULTS.dialIntervalMs})`).argParser(flag((v) => parseNumber(v, 'dialIntervalMs', 0, 3600000))))
    .addOption(new Option('--target <agent>', '"mock" for the built-in mock agent, or the ws:// URL of a real agent (Twilio Media Streams)').argParser(flag(parseTarget)))
    .addOption(new Option('--number <phone>', `number dialled, routed by the switch to the target (default ${SCENARIO_DEFAULTS.number})`))
    .addOption(new Option('--seed <seed>', 'seed for every random draw (dial gaps, pauses, mock think times)').argParser(flag(parseSeed)))
    .addOption(new Option('-o, --out <dir>', 'folder for calls.jsonl, summary.json and run.json (default results/<time>-<scenario>)'))
    .action(async (scenarioPath: string | undefined, flags: Record<string, unknown>) => {
      const overrides = scenarioOverrides(flags);
      const outcome = await runCommand({ scenarioPath, overrides, outDir: flags['out'] as string | undefined }, output);
      setExitCode(outcome.summary.calls.total === 0 ? EXIT.failure : EXIT.ok);
    });

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
