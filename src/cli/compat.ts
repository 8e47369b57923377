// ContainerPilot's CLI used Go's single-dash long flags (`containerpilot -config x -reload`).
// Existing Dockerfiles and scripts call it that way, so those spellings are translated to
// pilotfish's before yargs sees them.

/** ContainerPilot flag → pilotfish argv. */
const FLAG_TRANSLATIONS: Record<string, (value: string | undefined) => { args: string[]; takesValue: boolean }> = {
  '-config': (value) => ({ args: ['--config', value ?? ''], takesValue: true }),
  '-template': () => ({ args: ['template'], takesValue: false }),
  '-out': (value) => ({ args: ['--out', value ?? ''], takesValue: true }),
  '-version': () => ({ args: ['version'], takesValue: false }),
};

export function translateContainerPilotArgs(argv: readonly string[]): string[] {
  const commands: string[] = [];
  const options: string[] = [];
  for (let index = 0; index < argv.length; index += 1) {
    const arg = argv[index] as string;
    const [flag, inlineValue] = arg.includes('=') ? splitOnce(arg) : [arg, undefined];
    const translate = FLAG_TRANSLATIONS[flag];
    if (!translate) {
      options.push(arg);
      continue;
    }
    const { args, takesValue } = translate(inlineValue ?? argv[index + 1]);
    if (takesValue && inlineValue === undefined) index += 1;
    if (args[0]?.startsWith('--')) options.push(...args);
    else commands.push(...args);
  }
  return [...commands, ...options];
}

function splitOnce(arg: string): [string, string] {
  const at = arg.indexOf('=');
  return [arg.slice(0, at), arg.slice(at + 1)];
}
