// The verbs an operator or a container runs most, described once: `run`, `version` and the client
// verbs, with their positionals, options, help and handler. parser.ts builds yargs commands from
// this table (help, completion, the explanation of every mistake); fast-path.ts recognises their
// plain shapes without loading yargs. So this module imports nothing at run time but what
// `run` must do before it loads anything: each handler loads what it needs when its verb runs
// (`./control-commands.js`: node:http and the config parser, never zod).
import { holdOptimizingCompilers } from '../supervisor/start-up-footprint.js';

export interface OptionSpec {
  type: 'string' | 'boolean' | 'number';
  alias?: string;
  description: string;
  /** A string option must be followed by its value. */
  requiresArg?: true;
  default?: boolean | number;
}

export interface PositionalSpec {
  name: string;
  /** `<jobs..>`: one or more, the last positional. */
  variadic?: true;
  /** `[name]`: may be left out. */
  optional?: true;
  choices?: readonly string[];
  description?: string;
}

/** A parsed command line, by option and positional name (yargs' or the fast path's). */
export type ParsedArgs = Readonly<Record<string, unknown>>;

export interface VerbSpec {
  name: string;
  describe: string;
  positionals: readonly PositionalSpec[];
  options: Readonly<Record<string, OptionSpec>>;
  /** `commandLine`: what followed `--` (only `run` takes one). */
  run(args: ParsedArgs, commandLine?: readonly [string, ...string[]]): Promise<void> | void;
}

/** A verb that only holds others (`env set`). */
export interface GroupSpec {
  name: string;
  describe: string;
  subcommands: readonly VerbSpec[];
}

const CLIENT_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  config: {
    alias: 'c',
    type: 'string',
    requiresArg: true,
    description: 'Config file whose control.socket to use (default: $PILOTFISH_CONFIG, then $CONTAINERPILOT, then ./pilotfish.json5)',
  },
  socket: {
    type: 'string',
    requiresArg: true,
    description: "Control socket (default: $PILOTFISH_SOCKET, then the config's control.socket, then /var/run/containerpilot.socket)",
  },
};

const commands = () => import('./control-commands.js');

function text(args: ParsedArgs, name: string): string | undefined {
  const value = args[name];
  return typeof value === 'string' ? value : undefined;
}

function flag(args: ParsedArgs, name: string): boolean | undefined {
  const value = args[name];
  return typeof value === 'boolean' ? value : undefined;
}

function words(args: ParsedArgs, name: string): string[] {
  const value = args[name];
  return Array.isArray(value) ? value.map(String) : [];
}

function clientFlags(args: ParsedArgs): { config?: string; socket?: string } {
  return { config: text(args, 'config'), socket: text(args, 'socket') };
}

/** A client verb: the config and socket options, then its own. */
function clientVerb(name: string, describe: string, positionals: readonly PositionalSpec[], options: Record<string, OptionSpec>, run: VerbSpec['run']): VerbSpec {
  return { name, describe, positionals, options: { ...CLIENT_OPTIONS, ...options }, run };
}

const JOB_ACTIONS = [
  ['start', 'Start jobs now, whatever their `when`'],
  ['stop', 'Stop jobs; they stay stopped (and pilotfish keeps running) until started again'],
  ['restart', 'Stop jobs and start them again'],
] as const;

const ASSIGNMENTS: PositionalSpec = { name: 'assignments', variadic: true };

/** The config to run (validate and template take it too). */
export const CONFIG_OPTION: OptionSpec = {
  alias: 'c',
  type: 'string',
  requiresArg: true,
  description: 'Config file (default: $PILOTFISH_CONFIG, then $CONTAINERPILOT, then ./pilotfish.json5)',
};

export const RUN: VerbSpec = {
  name: 'run',
  describe:
    'Supervise the jobs of a config (the container entrypoint; the default command); ' +
    'with `-- CMD [ARGS...]`, CMD is the main job, "main", with or without a config',
  positionals: [],
  options: { config: CONFIG_OPTION },
  run: async (args, commandLine) => {
    // Before the supervisor's code is even loaded: it is start-up's hot code.
    holdOptimizingCompilers();
    return (await import('./run.js')).runCommand(text(args, 'config'), commandLine);
  },
};

export const VERSION: VerbSpec = {
  name: 'version',
  describe: 'Print the version',
  positionals: [],
  options: {},
  run: async () => (await import('./version.js')).versionCommand(),
};

export const CLIENT_VERBS: ReadonlyArray<VerbSpec | GroupSpec> = [
  clientVerb(
    'status',
    'Show the jobs of a running pilotfish: state, health, pid, restarts, uptime, last exit and check; and its components in words',
    [],
    {
      json: { type: 'boolean', description: 'Print the full status as JSON' },
      watch: { alias: 'w', type: 'boolean', description: 'Show it again every --interval until Ctrl-C (redrawn in place on a terminal)' },
      interval: { type: 'string', requiresArg: true, description: 'How often --watch refreshes: a duration such as 500ms (default 2s)' },
    },
    async (args) =>
      (await commands()).statusCommand({ ...clientFlags(args), json: flag(args, 'json'), watch: flag(args, 'watch'), interval: text(args, 'interval') }),
  ),
  clientVerb('ping', 'Check that pilotfish answers on its control socket (prints ok)', [], {}, async (args) => (await commands()).pingCommand(clientFlags(args))),
  clientVerb(
    'reload',
    'Re-read the config; only jobs whose definition changed are restarted (an invalid config is refused)',
    [],
    {},
    async (args) => (await commands()).reloadCommand(clientFlags(args)),
  ),
  clientVerb(
    'maintenance',
    'Enter or leave maintenance mode (services taken out of rotation, jobs keep running)',
    [{ name: 'mode', choices: ['on', 'off', 'enable', 'disable'] }],
    {},
    async (args) => (await commands()).maintenanceCommand({ ...clientFlags(args), mode: text(args, 'mode') ?? '' }),
  ),
  {
    name: 'env',
    describe: 'Environment for jobs started from now on',
    subcommands: [
      clientVerb('set', 'Set variables (NAME=VALUE …) for processes started from now on', [ASSIGNMENTS], {}, async (args) =>
        (await commands()).envSetCommand({ ...clientFlags(args), assignments: words(args, 'assignments') }),
      ),
    ],
  },
  clientVerb(
    'metric',
    'Set custom metrics declared under telemetry.metrics (NAME=VALUE …)',
    [ASSIGNMENTS],
    { 'ignore-unknown': { type: 'boolean', description: "Skip names not declared instead of failing (ContainerPilot's -putmetric)" } },
    async (args) => (await commands()).metricCommand({ ...clientFlags(args), assignments: words(args, 'assignments'), ignoreUnknown: flag(args, 'ignore-unknown') }),
  ),
  ...JOB_ACTIONS.map(([action, describe]) =>
    clientVerb(action, `${describe} (several at once, or all)`, [{ name: 'jobs', variadic: true, description: 'Job names, or all for every job' }], {}, async (args) =>
      (await commands()).jobCommand({ ...clientFlags(args), action, jobs: words(args, 'jobs') }),
    ),
  ),
  clientVerb(
    'signal',
    "Send a signal (HUP, SIGUSR1, 9, …) to a job's process group",
    [{ name: 'job' }, { name: 'signal' }],
    {},
    async (args) => (await commands()).signalCommand({ ...clientFlags(args), job: text(args, 'job') ?? '', signal: text(args, 'signal') ?? '' }),
  ),
  clientVerb(
    'watches',
    "Show the watched services' healthy endpoints (Consul or Kubernetes), or one watch's",
    [{ name: 'name', optional: true, description: 'A watch name (as in the config, without "watch.")' }],
    { json: { type: 'boolean', description: 'Print the watches as JSON' } },
    async (args) => (await commands()).watchesCommand({ ...clientFlags(args), name: text(args, 'name'), json: flag(args, 'json') }),
  ),
  clientVerb(
    'logs',
    "Print the recent output of one job or all of them, with pilotfish's own lines about them (started, exited, restarting…) in between",
    [{ name: 'job', optional: true }],
    {
      follow: { alias: 'f', type: 'boolean', description: 'Keep printing new lines until pilotfish stops or Ctrl-C' },
      lines: { alias: 'n', type: 'number', default: 100, description: 'How many recent lines' },
      lifecycle: {
        type: 'boolean',
        default: true,
        description:
          "Show pilotfish's lines about the job (pilotfish[job]: started, exited with code 3, restarting, unhealthy, failed) among its output; --no-lifecycle prints the output alone",
      },
    },
    async (args) => {
      const lines = args.lines;
      return (await commands()).logsCommand({
        ...clientFlags(args),
        job: text(args, 'job'),
        follow: flag(args, 'follow'),
        lines: typeof lines === 'number' ? lines : Number.NaN,
        lifecycle: flag(args, 'lifecycle'),
      });
    },
  ),
];

/** `stop <jobs..>`, `watches [name]`: the verb as its usage writes it. */
export function commandOf(verb: VerbSpec): string {
  const words = verb.positionals.map(({ name, variadic, optional }) => (variadic ? `<${name}..>` : optional ? `[${name}]` : `<${name}>`));
  return [verb.name, ...words].join(' ');
}
