#!/usr/bin/env node
// The `pilotfish` command: the plain `run` and client-verb command lines start without yargs;
// everything else goes through the full parser.
import { translateContainerPilotArgs } from './compat.js';
import { fastCommand } from './fast-path.js';

const argv = translateContainerPilotArgs(process.argv.slice(2));
const command = fastCommand(argv);
if (command) await command();
else await (await import('./parser.js')).parseAndRun(argv);
