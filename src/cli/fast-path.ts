// The command lines run most: `run` (every container start) and the client verbs an operator
// types during an incident. They are recognised here without yargs, whose import alone costs
// about 12 MiB and 100-150 ms (measured), from the same table yargs' commands are built from
// (verbs.ts). Only an exact, well-formed match is taken; anything else, --help, numbers, negated
// flags and every mistake included, is left to yargs (parser.ts), which explains it.
import { isCommand } from './command-after-dashes.js';
import { CLIENT_VERBS, RUN, VERSION, type GroupSpec, type VerbSpec } from './verbs.js';

type Runner = () => Promise<void> | void;

const VERBS: ReadonlyMap<string, VerbSpec | GroupSpec> = new Map([RUN, VERSION, ...CLIENT_VERBS].map((spec) => [spec.name, spec]));

/** No verb means run, as in yargs' `$0` default command. */
function isImplicitRun(first: string | undefined): boolean {
  return first === undefined || first.startsWith('-');
}

/** Whether `argv` may start the supervisor (`run`, or options only), which then takes the signals held since start-up. */
export function supervises(argv: readonly string[]): boolean {
  return isImplicitRun(argv[0]) || argv[0] === 'run';
}

/**
 * The command `argv` (ContainerPilot's flags already translated) runs, if it is a plain shape of
 * a verb in the table; `commandLine` is what followed `--` on a `run` command line.
 */
export function fastCommand(argv: readonly string[], commandLine?: readonly string[]): Runner | undefined {
  // `pilotfish --` with nothing after it is a mistake for yargs' parser to explain.
  if (commandLine !== undefined && !isCommand(commandLine)) return undefined;
  if (isImplicitRun(argv[0])) return matchVerb(RUN, argv, commandLine);
  let spec = VERBS.get(argv[0] as string);
  let rest = argv.slice(1);
  if (spec && 'subcommands' in spec) {
    spec = spec.subcommands.find((subcommand) => subcommand.name === rest[0]);
    rest = rest.slice(1);
  }
  // Only `run` takes a command after `--`.
  if (!spec || (commandLine !== undefined && spec !== RUN)) return undefined;
  return matchVerb(spec, rest, commandLine);
}

function matchVerb(spec: VerbSpec, tokens: readonly string[], commandLine: readonly [string, ...string[]] | undefined): Runner | undefined {
  const aliases = new Map(Object.entries(spec.options).flatMap(([name, option]) => (option.alias ? [[`-${option.alias}`, name]] : [])));
  const positionals: string[] = [];
  const args: Record<string, unknown> = {};
  for (let index = 0; index < tokens.length; index += 1) {
    const token = tokens[index]!;
    if (!token.startsWith('-')) {
      positionals.push(token);
      continue;
    }
    const equals = token.indexOf('=');
    const flag = equals === -1 ? token : token.slice(0, equals);
    const inline = equals === -1 ? undefined : token.slice(equals + 1);
    const name = flag.startsWith('--') ? flag.slice(2) : aliases.get(flag);
    const option = name === undefined || !Object.hasOwn(spec.options, name) ? undefined : spec.options[name];
    if (name === undefined || option === undefined || option.type === 'number' || Object.hasOwn(args, name)) return undefined;
    if (option.type === 'boolean') {
      if (inline !== undefined) return undefined;
      args[name] = true;
      continue;
    }
    const value = inline ?? tokens[(index += 1)];
    if (!value || value.startsWith('-')) return undefined;
    args[name] = value;
  }
  for (const [name, option] of Object.entries(spec.options)) if (!Object.hasOwn(args, name) && option.default !== undefined) args[name] = option.default;
  if (!takePositionals(spec, positionals, args)) return undefined;
  return () => spec.run(args, commandLine);
}

/** Names the positionals as the spec does; false when they do not fit it. */
function takePositionals(spec: VerbSpec, given: readonly string[], args: Record<string, unknown>): boolean {
  const specs = spec.positionals;
  const last = specs.at(-1);
  const required = specs.filter((positional) => !positional.optional).length;
  if (given.length < required || (given.length > specs.length && !last?.variadic)) return false;
  for (const [index, positional] of specs.entries()) {
    const value = positional.variadic ? given.slice(index) : given[index];
    if (value === undefined) continue;
    if (positional.choices && !positional.choices.includes(value as string)) return false;
    args[positional.name] = value;
  }
  return true;
}
