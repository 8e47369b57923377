// The CLI's exit codes, as tools such as git and kubectl use them (a bad config exits 2 as well:
// EXIT_CONFIG_INVALID in load.ts). Its own module, so the client verbs and the parser load nothing else for it.

/** Refused by pilotfish, or pilotfish unreachable. */
export const EXIT_REFUSED = 1;
/** A mistake on the command line. */
export const EXIT_USAGE = 2;

/** One line naming the problem and the help to read (`pilotfish stop: … (see 'pilotfish stop --help')`), then exit 2. */
export function exitWithUsageError(command: string, problem: string): never {
  process.stderr.write(`${command}: ${problem} (see '${command} --help')\n`);
  process.exit(EXIT_USAGE);
}
