// The `pilotfish` command: the plain `run` and client-verb command lines start without yargs;
// everything else goes through the full parser. The `bin` is launcher.ts, which starts Node so
// that SIGUSR1 can never open its inspector and holds signals before this module is even loaded.
import { holdSignals, releaseSignals } from '../supervisor/early-signals.js';
import { COMMAND_SEPARATOR, splitAtCommand } from './command-after-dashes.js';
import { translateContainerPilotArgs } from './compat.js';
import { fastCommand, supervises } from './fast-path.js';

// Before anything slow is loaded, a signal during start-up is kept for the supervisor (already
// done by the launcher; here for `node main.js`).
holdSignals();
const { own, commandLine } = splitAtCommand(process.argv.slice(2));
// The app's own arguments are never translated: `pilotfish -- app -config x` passes `-config x` to it.
const ownArgv = translateContainerPilotArgs(own);
const runsCommand = commandLine !== undefined && supervises(ownArgv);
// Only `run` takes a command; any other verb gets its `--` and what follows, as yargs reads them.
const argv = commandLine === undefined || runsCommand ? ownArgv : [...ownArgv, COMMAND_SEPARATOR, ...commandLine];
const entrypoint = runsCommand ? commandLine : undefined;
if (!supervises(argv)) releaseSignals();
const command = fastCommand(argv, entrypoint);
// No top-level await: the single executable runs this module as CommonJS, which has none.
void (command ? command() : import('./parser.js').then(({ parseAndRun }) => parseAndRun(argv, entrypoint)));
