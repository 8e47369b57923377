// Scenario 2: from exec of the supervisor to its first job running.
import { withInstance } from '../instance.js';
import type { Scenario } from './types.js';

export const coldStart: Scenario = {
  id: '2',
  title: 'Cold start: exec → first job running',
  method: "from just before the harness spawns the supervisor to the job's own announcement on a FIFO (one job, a /bin/sh)",
  capabilities: [],
  metrics: [{ key: 'ms', label: 'exec → job running', unit: 'ms' }],
  runs: { full: 10, quick: 3 },
  measure: (supervisor) => withInstance(supervisor, { count: 1 }, async (instance) => ({ ms: (await instance.started(1)) - instance.spawnedAt })),
};
