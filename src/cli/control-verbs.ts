// The client verbs' command-line shapes. Their handlers, and what those load, are imported only
// when such a verb runs (`./control-commands.js` needs node:http and the config parser, never zod).
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';

const clientOptions = {
  config: {
    alias: 'c',
    type: 'string',
    requiresArg: true,
    description: "Config file whose control.socket to use (default: $PILOTFISH_CONFIG, then $CONTAINERPILOT, then ./pilotfish.json5)",
  },
  socket: {
    type: 'string',
    requiresArg: true,
    description: 'Control socket (default: $PILOTFISH_SOCKET, then the config\'s control.socket, then /var/run/containerpilot.socket)',
  },
} as const;

const commands = () => import('./control-commands.js');

function withClientOptions<T>(args: Argv<T>) {
  return args.options(clientOptions);
}

/** A command module; a verb that groups others (`env set`) lists them, for help and usage errors. */
export interface Verb extends CommandModule<object, any> {
  subcommands?: Verb[];
}

/** A command module whose handler is typed by what its builder declares. */
function verb<U>(
  command: string,
  describe: string,
  builder: (args: Argv<object>) => Argv<U>,
  handler: (args: ArgumentsCamelCase<U>) => Promise<void> | void,
): Verb {
  return { command, describe, builder, handler } as Verb;
}

/** A verb that does nothing but hold `subcommands`, one of which must follow it. */
export function group(command: string, describe: string, subcommands: Verb[]): Verb {
  return {
    command,
    describe,
    subcommands,
    builder: (args) =>
      subcommands
        .reduce((parent, subcommand) => parent.command(subcommand), args)
        .demandCommand(1, `needs a subcommand: ${subcommands.map(nameOf).join(', ')}`),
    handler: () => undefined,
  };
}

/** `stop` for `stop <job..>`. */
export function nameOf(module: Verb): string {
  return usageOf(module).split(' ')[0]!;
}

/** The module's command as it is written (`stop <job..>`). */
export function usageOf(module: Verb): string {
  return [module.command ?? ''].flat()[0]!;
}

const JOB_ACTIONS = [
  ['start', 'Start jobs now, whatever their `when`'],
  ['stop', 'Stop jobs; they stay stopped (and pilotfish keeps running) until started again'],
  ['restart', 'Stop jobs and start them again'],
] as const;

export const controlVerbs: Verb[] = [
  verb(
    'status',
    'Show the jobs of a running pilotfish: state, health, pid, restarts, uptime, last exit and check; and its components in words',
    (args) =>
      withClientOptions(args)
        .option('json', { type: 'boolean', description: 'Print the full status as JSON' })
        .option('watch', { alias: 'w', type: 'boolean', description: 'Show it again every --interval until Ctrl-C (redrawn in place on a terminal)' })
        .option('interval', { type: 'string', requiresArg: true, description: 'How often --watch refreshes: a duration such as 500ms (default 2s)' }),
    async (args) => (await commands()).statusCommand(args),
  ),
  verb('ping', 'Check that pilotfish answers on its control socket (prints ok)', withClientOptions, async (args) => (await commands()).pingCommand(args)),
  verb(
    'reload',
    'Re-read the config; only jobs whose definition changed are restarted (an invalid config is refused)',
    withClientOptions,
    async (args) => (await commands()).reloadCommand(args),
  ),
  verb(
    'maintenance <mode>',
    'Enter or leave maintenance mode (services taken out of rotation, jobs keep running)',
    (args) => withClientOptions(args).positional('mode', { choices: ['on', 'off', 'enable', 'disable'] as const, demandOption: true }),
    async (args) => (await commands()).maintenanceCommand(args),
  ),
  group('env', 'Environment for jobs started from now on', [
    verb(
      'set <assignments..>',
      'Set variables (NAME=VALUE …) for processes started from now on',
      (args) => withClientOptions(args).positional('assignments', { type: 'string', array: true, demandOption: true }),
      async (args) => (await commands()).envSetCommand(args),
    ),
  ]),
  verb(
    'metric <assignments..>',
    'Set custom metrics declared under telemetry.metrics (NAME=VALUE …)',
    (args) =>
      withClientOptions(args)
        .positional('assignments', { type: 'string', array: true, demandOption: true })
        .option('ignore-unknown', { type: 'boolean', description: "Skip names not declared instead of failing (ContainerPilot's -putmetric)" }),
    async (args) => (await commands()).metricCommand(args),
  ),
  ...JOB_ACTIONS.map(([action, describe]) =>
    verb(
      `${action} <jobs..>`,
      `${describe} (several at once, or all)`,
      (args) => withClientOptions(args).positional('jobs', { type: 'string', array: true, demandOption: true, description: 'Job names, or all for every job' }),
      async (args) => (await commands()).jobCommand({ ...args, action }),
    ),
  ),
  verb(
    'signal <job> <signal>',
    "Send a signal (HUP, SIGUSR1, 9, …) to a job's process group",
    (args) => withClientOptions(args).positional('job', { type: 'string', demandOption: true }).positional('signal', { type: 'string', demandOption: true }),
    async (args) => (await commands()).signalCommand(args),
  ),
  verb(
    'watches [name]',
    "Show the watched services' healthy endpoints (Consul or Kubernetes), or one watch's",
    (args) =>
      withClientOptions(args)
        .positional('name', { type: 'string', description: 'A watch name (as in the config, without "watch.")' })
        .option('json', { type: 'boolean', description: 'Print the watches as JSON' }),
    async (args) => (await commands()).watchesCommand(args),
  ),
  verb(
    'logs [job]',
    "Print the recent output of one job or all of them, with pilotfish's own lines about them (started, exited, restarting…) in between",
    (args) =>
      withClientOptions(args)
        .positional('job', { type: 'string' })
        .option('follow', { alias: 'f', type: 'boolean', description: 'Keep printing new lines until pilotfish stops or Ctrl-C' })
        .option('lines', { alias: 'n', type: 'number', default: 100, description: 'How many recent lines' })
        .option('lifecycle', {
          type: 'boolean',
          default: true,
          description: "Show pilotfish's lines about the job (pilotfish[job]: started, exited with code 3, restarting, unhealthy, failed) among its output; --no-lifecycle prints the output alone",
        }),
    async (args) => (await commands()).logsCommand(args),
  ),
];
