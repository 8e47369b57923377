// `pilotfish [OPTIONS] -- CMD ARGS…` and `pilotfish run [OPTIONS] -- CMD ARGS…`: the command after
// `--` is the app to supervise as the main job, the Docker convention of tini and dumb-init
// (`ENTRYPOINT ["pilotfish", "--"]`, the app in `CMD`). Everything after the first `--` belongs to
// the app, exactly as given, even words that look like pilotfish's own options.

/** Where pilotfish's own arguments end and the app's command begins. */
export const COMMAND_SEPARATOR = '--';

export interface SplitArguments {
  /** pilotfish's own arguments: a verb and its options. */
  own: string[];
  /** What follows the first `--` (possibly nothing); undefined when there is no `--`. */
  commandLine?: string[];
}

export function splitAtCommand(argv: readonly string[]): SplitArguments {
  const separator = argv.indexOf(COMMAND_SEPARATOR);
  if (separator === -1) return { own: [...argv] };
  return { own: argv.slice(0, separator), commandLine: argv.slice(separator + 1) };
}

/** The command to run, when there is one: the type `run` needs. */
export function isCommand(commandLine: readonly string[] | undefined): commandLine is [string, ...string[]] {
  return commandLine !== undefined && commandLine.length > 0;
}
