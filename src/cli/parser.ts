// The full command line, on yargs: every verb, --help, --version, `help VERB`, shell completion,
// and the errors for anything malformed. main.ts comes here for whatever its fast path does not
// take. Each verb imports only what it needs, so `run` does not pay for the schema exporter and
// `version` not for the supervisor.
import yargs, { type Argv } from 'yargs';
import { closestMatch } from '../config/hint.js';
import { pilotfishVersion } from '../util/version.js';
import { isCommand } from './command-after-dashes.js';
import { controlVerbs, group, nameOf, usageOf, yargsVerb, type Verb } from './control-verbs.js';
import { exitWithUsageError } from './exit-codes.js';
import { CONFIG_OPTION, RUN, VERSION } from './verbs.js';

const configOption = { config: CONFIG_OPTION };

const runModule: Verb = {
  ...yargsVerb(RUN, ['$0']),
  // The command after `--` comes as parseAndRun's context, word for word: yargs would turn "1" into a number.
  handler: (args) => RUN.run(args, (args as { commandLine?: [string, ...string[]] }).commandLine),
};

/** `pilotfish run --help` names the command after `--`, which is no yargs positional. */
const runModuleNamed: Verb = {
  ...runModule,
  builder: (args) => (runModule.builder as (parser: Argv) => Argv)(args).usage(`$0 run [options] [-- CMD [ARGS...]]\n\n${RUN.describe}`),
};

const commands: Verb[] = [
  runModule,
  {
    command: 'validate',
    describe: 'Check a config and exit: 0 when valid (warnings on stderr), 2 with its errors listed otherwise',
    builder: (args) => args.options(configOption),
    handler: async (args) => (await import('./validate.js')).validateCommand(args.config),
  },
  {
    command: 'template',
    describe: "Render a config's templates over the environment and print the result (ContainerPilot's -template)",
    builder: (args) => args.options({ ...configOption, out: { type: 'string', description: 'Write to this file instead of stdout' } }),
    handler: async (args) => (await import('./template.js')).templateCommand(args.config, args.out),
  },
  {
    command: 'schema',
    describe: "Print the config's JSON Schema (for editor completion: \"$schema\" in your pilotfish.json5)",
    handler: async () => (await import('./schema.js')).schemaCommand(),
  },
  group('k8s', 'Kubernetes integration', [
    {
      command: 'manifests',
      describe: 'Print the Autopilot CRD and the service account, Role and RoleBinding the bridge needs (YAML for kubectl apply)',
      builder: (args) =>
        args.options({
          namespace: { alias: 'n', type: 'string', default: 'default', description: 'Namespace of the pods' },
          'service-account': { type: 'string', default: 'pilotfish', description: "The pods' service account" },
          config: { alias: 'c', type: 'string', requiresArg: true, description: "The pods' config: grant only what it uses (Events, the readiness gate, watched Services)" },
        }),
      handler: async (args) =>
        (await import('./k8s.js')).k8sManifestsCommand({ namespace: args.namespace, serviceAccount: args['service-account'], config: args.config }),
    },
  ]),
  ...controlVerbs,
  yargsVerb(VERSION),
  {
    command: 'help [command..]',
    describe: 'Show the help of a command (pilotfish help stop)',
    handler: async (args) => showHelpOf(args.command as string[] | undefined),
  },
];

const COMPLETION_DESCRIPTION = 'Print a shell completion script for bash or zsh (pilotfish completion >> ~/.bashrc)';
// yargs' own verb, registered by .completion() below.
const COMPLETION: Verb = { command: 'completion', describe: '', handler: () => undefined };

/** `argv`'s verbs (`env set`), outermost first; none when it names none. */
function commandPath(argv: readonly string[]): Verb[] {
  const path: Verb[] = [];
  let candidates = [...commands, COMPLETION];
  for (const word of argv.filter((arg) => !arg.startsWith('-'))) {
    const next = candidates.find((module) => nameOf(module) === word);
    if (next === undefined) break;
    path.push(next);
    candidates = next.subcommands ?? [];
  }
  return path;
}

/**
 * Parses `argv` (ContainerPilot's flags already translated) and runs the verb it names;
 * `commandLine` is what followed `--` on a `run` command line.
 */
export async function parseAndRun(argv: string[], commandLine?: readonly string[]): Promise<void> {
  if (commandLine !== undefined && !isCommand(commandLine)) usageError(argv, "expected a command after '--', as in 'pilotfish -- node server.js'");
  // yargs' completion verb prints its script whatever follows (`completion --help`, `completion fish`).
  if (argv[0] === 'completion' && argv.length > 1) {
    if (argv.slice(1).some((arg) => arg === '--help' || arg === '-h')) {
      process.stdout.write(`pilotfish completion\n\n${COMPLETION_DESCRIPTION}; the zsh one when $SHELL is zsh\n`);
      return;
    }
    exitWithUsageError('pilotfish completion', `takes no arguments: it prints the script for bash, or zsh when $SHELL is zsh (given: ${argv.slice(1).join(' ')})`);
  }
  // Only when run is named: as the default command its usage would join the top-level help's.
  const named = commandPath(argv)[0] === runModule ? commands.map((module) => (module === runModule ? runModuleNamed : module)) : commands;
  await named
    .reduce((parser: Argv<object>, module) => parser.command(module), yargs(argv))
    .scriptName('pilotfish')
    .usage('$0 <command> [options]\n\nAn autopilot-pattern supervisor: the container entrypoint that runs, checks and restarts your app.')
    .completion('completion', COMPLETION_DESCRIPTION)
    .strict()
    .help()
    .alias('h', 'help')
    .version('version', 'Print the version', `pilotfish ${pilotfishVersion()}`)
    .fail((message, error) => {
      // Errors thrown by a verb are the verb's to report; yargs' own (YError) are usage errors.
      if (error && error.name !== 'YError') throw error;
      usageError(argv, describeMistake(argv, message ?? error?.message ?? ''));
    })
    .wrap(Math.min(100, process.stdout.columns || 100))
    .parseAsync(argv, commandLine === undefined ? {} : { commandLine });
}

/** `help stop` is `stop --help`; `help` alone is `--help`. */
async function showHelpOf(command: string[] = []): Promise<void> {
  if (commandPath(command).length < command.length) usageError(command, `unknown command "${command.join(' ')}"`);
  await parseAndRun([...command, '--help']);
}

/** The usage error of the verb `argv` names. */
function usageError(argv: readonly string[], problem: string): never {
  exitWithUsageError(['pilotfish', ...commandPath(argv).map(nameOf)].join(' '), problem);
}

/** yargs' message, reworded where it says less than it knows, and always on one line. */
function describeMistake(argv: readonly string[], message: string): string {
  const [first] = argv;
  if (first !== undefined && !first.startsWith('-') && commandPath([first]).length === 0) {
    const verb = closestMatch(first, [...commands, COMPLETION].map(nameOf));
    // `ENTRYPOINT ["pilotfish"]` with the app as CMD comes here: `pilotfish node server.js`.
    return `unknown command "${first}"${verb ? `; did you mean "${verb}"?` : `; to supervise a program, put it after --: ${asTyped(['pilotfish', '--', ...argv])}`}`;
  }
  const unknown = /^Unknown arguments?: (.*)$/s.exec(message);
  if (unknown) {
    const names = unknown[1]!.split(', ');
    const problems = names.map((name) => (typedOption(argv, name) ? `unknown option ${typedOption(argv, name)}` : `unknown argument "${name}"`));
    const positionals = names.filter((name) => !typedOption(argv, name));
    const path = commandPath(argv);
    const verbs = path.map(nameOf);
    if (positionals.length === 1 && CONFIG_FILE.test(positionals[0]!) && path.length === 1 && takesConfig.has(verbs[0]!)) {
      problems.push(`did you mean ${asTyped(['pilotfish', ...verbs, '--config', positionals[0]!])}?`);
    } else if (positionals.length > 0 && verbs[0] === 'run') {
      const program = argv.indexOf(positionals[0]!);
      problems.push(`to supervise a program, put it after --: ${asTyped(['pilotfish', ...argv.slice(0, program), '--', ...argv.slice(program)])}`);
    }
    return problems.join('; ');
  }
  const choice = /Argument: (\S+), Given: (.*), Choices: (.*)$/s.exec(message);
  if (choice) return `${choice[1]} must be one of ${choice[3]!.replaceAll('"', '')}, not ${choice[2]}`;
  const noValue = /^Not enough arguments following: (.*)$/.exec(message);
  if (noValue) return `option ${typedOption(argv, noValue[1]!) ?? noValue[1]} needs a value`;
  const path = commandPath(argv);
  if (/^Not enough non-option arguments/.test(message) && path.length > 0) {
    return `missing arguments, expected pilotfish ${[...path.slice(0, -1).map(nameOf), usageOf(path.at(-1)!)].join(' ')}`;
  }
  return message.replace(/\s*\n\s*/g, '; ');
}

const CONFIG_FILE = /\.(json5?|ya?ml)$/i;
const takesConfig = new Set(['run', 'validate', 'template']);

/** A command line as one would type it in a shell: words with spaces or quotes single-quoted. */
function asTyped(words: readonly string[]): string {
  return words.map((word) => (/^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", "'\\''")}'`)).join(' ');
}

/** How option `name` was typed (`--socket`, `-c`), as yargs names it without dashes; undefined for a positional. */
function typedOption(argv: readonly string[], name: string): string | undefined {
  return argv.find((arg) => arg.startsWith('-') && arg.replace(/^--?/, '').split('=')[0] === name)?.split('=')[0];
}
