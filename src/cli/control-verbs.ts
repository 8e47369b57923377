// The verbs of src/cli/verbs.ts as yargs commands, and the helpers parser.ts shares for its own.
import type { CommandModule, PositionalOptions } from 'yargs';
import { CLIENT_VERBS, commandOf, type PositionalSpec, type VerbSpec } from './verbs.js';

/** A command module; a verb that groups others (`env set`) lists them, for help and usage errors. */
export interface Verb extends CommandModule<object, any> {
  subcommands?: Verb[];
}

/** The yargs command of a verb in the table; `aliases` name it too (`$0` for run). */
export function yargsVerb(spec: VerbSpec, aliases: readonly string[] = []): Verb {
  return {
    command: aliases.length > 0 ? [commandOf(spec), ...aliases] : commandOf(spec),
    describe: spec.describe,
    builder: (args) => spec.positionals.reduce((parser, positional) => parser.positional(positional.name, positionalOptions(positional)), args.options(spec.options)),
    handler: (args) => spec.run(args),
  };
}

function positionalOptions({ variadic, optional, choices, description }: PositionalSpec): PositionalOptions {
  return {
    type: 'string',
    ...(variadic ? { array: true } : {}),
    ...(optional ? {} : { demandOption: true }),
    ...(choices ? { choices } : {}),
    ...(description ? { description } : {}),
  };
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

export const controlVerbs: Verb[] = CLIENT_VERBS.map((spec) =>
  'subcommands' in spec ? group(spec.name, spec.describe, spec.subcommands.map((subcommand) => yargsVerb(subcommand))) : yargsVerb(spec),
);
