// The command lines run most: `run` (every container start) and the client verbs an operator
// types during an incident. They are recognised here without yargs, whose import alone costs
// about 12 MiB and 100-150 ms (measured). Only an exact, well-formed match is taken; anything
// else, --help and every mistake included, is left to yargs (parser.ts), which explains it.

import { isCommand } from './command-after-dashes.js';

type Options = Record<string, string | true>;

interface Shape {
  positionals: number;
  /** The last positional may repeat (`stop web worker`). */
  variadic?: true;
  /** Long option name → whether it takes a value. */
  options: Record<string, 'string' | 'boolean'>;
  /** The verb ready to run, or undefined when the arguments need yargs' judgement. */
  accept(positionals: string[], options: Options, commandLine?: [string, ...string[]]): (() => Promise<void> | void) | undefined;
}

const ALIASES: Record<string, string> = { '-c': 'config' };
const CLIENT_OPTIONS = { config: 'string', socket: 'string' } as const;
const MAINTENANCE_MODES = ['on', 'off', 'enable', 'disable'];

const commands = () => import('./control-commands.js');

function clientFlags(options: Options): { config?: string; socket?: string } {
  return { config: options.config as string | undefined, socket: options.socket as string | undefined };
}

function jobAction(action: 'start' | 'stop' | 'restart'): Shape {
  return {
    positionals: 1,
    variadic: true,
    options: CLIENT_OPTIONS,
    accept: (jobs, options) => async () => (await commands()).jobCommand({ ...clientFlags(options), action, jobs }),
  };
}

const VERBS: Record<string, Shape> = {
  run: {
    positionals: 0,
    options: { config: 'string' },
    accept: (_, options, commandLine) => async () => (await import('./run.js')).runCommand(options.config as string | undefined, commandLine),
  },
  version: { positionals: 0, options: {}, accept: () => async () => (await import('./version.js')).versionCommand() },
  status: {
    positionals: 0,
    options: { ...CLIENT_OPTIONS, json: 'boolean' },
    accept: (_, options) => async () => (await commands()).statusCommand({ ...clientFlags(options), json: options.json === true }),
  },
  ping: { positionals: 0, options: CLIENT_OPTIONS, accept: (_, options) => async () => (await commands()).pingCommand(clientFlags(options)) },
  reload: { positionals: 0, options: CLIENT_OPTIONS, accept: (_, options) => async () => (await commands()).reloadCommand(clientFlags(options)) },
  maintenance: {
    positionals: 1,
    options: CLIENT_OPTIONS,
    accept: ([mode], options) =>
      MAINTENANCE_MODES.includes(mode!) ? async () => (await commands()).maintenanceCommand({ ...clientFlags(options), mode: mode! }) : undefined,
  },
  start: jobAction('start'),
  stop: jobAction('stop'),
  restart: jobAction('restart'),
  signal: {
    positionals: 2,
    options: CLIENT_OPTIONS,
    accept: ([job, signal], options) => async () => (await commands()).signalCommand({ ...clientFlags(options), job: job!, signal: signal! }),
  },
};

/** No verb means run, as in yargs' `$0` default command. */
function isImplicitRun(first: string | undefined): boolean {
  return first === undefined || first.startsWith('-');
}

/** Whether `argv` may start the supervisor (`run`, or options only), which then takes the signals held since start-up. */
export function supervises(argv: readonly string[]): boolean {
  return isImplicitRun(argv[0]) || argv[0] === 'run';
}

/**
 * The command `argv` (ContainerPilot's flags already translated) runs, if it is one of the plain
 * shapes above; `commandLine` is what followed `--` on a `run` command line.
 */
export function fastCommand(argv: readonly string[], commandLine?: readonly string[]): (() => Promise<void> | void) | undefined {
  // `pilotfish --` with nothing after it is a mistake for yargs' parser to explain.
  if (commandLine !== undefined && !isCommand(commandLine)) return undefined;
  const [first] = argv;
  const implicitRun = isImplicitRun(first);
  const name = implicitRun ? 'run' : (first as string);
  if (!Object.hasOwn(VERBS, name)) return undefined;
  const shape = VERBS[name]!;
  const positionals: string[] = [];
  const options: Options = {};
  const tokens = implicitRun ? argv : argv.slice(1);
  for (let index = 0; index < tokens.length; index += 1) {
    const token = tokens[index]!;
    if (!token.startsWith('-')) {
      positionals.push(token);
      continue;
    }
    const equals = token.indexOf('=');
    const flag = equals === -1 ? token : token.slice(0, equals);
    const inline = equals === -1 ? undefined : token.slice(equals + 1);
    const option = flag.startsWith('--') ? flag.slice(2) : ALIASES[flag];
    if (option === undefined || !Object.hasOwn(shape.options, option) || Object.hasOwn(options, option)) return undefined;
    if (shape.options[option] === 'boolean') {
      if (inline !== undefined) return undefined;
      options[option] = true;
      continue;
    }
    const value = inline ?? tokens[(index += 1)];
    if (!value || value.startsWith('-')) return undefined;
    options[option] = value;
  }
  if (positionals.length < shape.positionals || (positionals.length > shape.positionals && !shape.variadic)) return undefined;
  return shape.accept(positionals, options, commandLine);
}
