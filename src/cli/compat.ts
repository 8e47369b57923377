// ContainerPilot's CLI used Go's single-dash long flags (`containerpilot -config x -reload`).
// Existing Dockerfiles and scripts call it that way, so those spellings are translated to
// pilotfish's before yargs sees them: `-putenv A=1 -putenv B=2` becomes `env set A=1 B=2`.

type Translation =
  /** A pilotfish option with a value (`-config x` → `--config x`). */
  | { option: string }
  /** A verb; `value` turns the flag's value, if it takes one, into the verb's arguments. */
  | { verb: string[]; value?: (value: string) => string[] };

const FLAG_TRANSLATIONS: Record<string, Translation> = {
  '-config': { option: '--config' },
  '-out': { option: '--out' },
  '-template': { verb: ['template'] },
  '-version': { verb: ['version'] },
  '-reload': { verb: ['reload'] },
  '-ping': { verb: ['ping'] },
  // ContainerPilot: any value other than "enable" disables.
  '-maintenance': { verb: ['maintenance'], value: (value) => [value === 'enable' ? 'on' : 'off'] },
  '-putenv': { verb: ['env', 'set'], value: (value) => [value] },
  // Its -putmetric skipped names it did not know.
  '-putmetric': { verb: ['metric', '--ignore-unknown'], value: (value) => [value] },
};

export function translateContainerPilotArgs(argv: readonly string[]): string[] {
  // Each verb once, with the arguments of every occurrence of its flag, in order.
  const verbs = new Map<string, string[]>();
  const options: string[] = [];
  for (let index = 0; index < argv.length; index += 1) {
    const arg = argv[index] as string;
    const [flag, inlineValue] = arg.includes('=') ? splitOnce(arg) : [arg, undefined];
    const translation = FLAG_TRANSLATIONS[flag];
    if (!translation) {
      options.push(arg);
      continue;
    }
    const takesValue = 'option' in translation || translation.value !== undefined;
    const value = inlineValue ?? (takesValue ? (argv[(index += 1)] ?? '') : undefined);
    if ('option' in translation) {
      options.push(translation.option, value ?? '');
    } else {
      const key = translation.verb.join(' ');
      const args = verbs.get(key) ?? [...translation.verb];
      verbs.set(key, value === undefined || !translation.value ? args : [...args, ...translation.value(value)]);
    }
  }
  return [...[...verbs.values()].flat(), ...options];
}

function splitOnce(arg: string): [string, string] {
  const at = arg.indexOf('=');
  return [arg.slice(0, at), arg.slice(at + 1)];
}
