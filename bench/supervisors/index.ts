import { containerpilot } from './containerpilot.js';
import { nodeFloor } from './node-floor.js';
import { pebble } from './pebble.js';
import { pilotfish } from './pilotfish.js';
import { s6 } from './s6.js';
import { supervisord } from './supervisord.js';
import { tini } from './tini.js';
import type { Supervisor } from './types.js';

/** pilotfish first: every ratio in the report is pilotfish / peer. */
export const SUPERVISORS: Supervisor[] = [pilotfish, nodeFloor, tini, s6, supervisord, pebble, containerpilot];
