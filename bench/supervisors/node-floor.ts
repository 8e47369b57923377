// Node's floor: a bare `node -e` that spawns the jobs and forwards SIGTERM. No supervisor can
// start a job faster or hold less memory than this while being written in Node.
import type { Supervisor } from './types.js';

const SCRIPT = `
const { spawn } = require('node:child_process');
const children = JSON.parse(process.env.BENCH_JOBS).map((script) => spawn('/bin/sh', ['-c', script], { stdio: 'inherit' }));
let running = children.length;
for (const child of children) child.on('exit', () => --running === 0 && process.exit(0));
process.on('SIGTERM', () => children.forEach((child) => child.kill('SIGTERM')));
`;

export const nodeFloor: Supervisor = {
  name: 'node-spawn',
  capabilities: new Set(['jobs']),
  note: 'bare `node -e` spawning the jobs: the floor for a supervisor written in Node',
  locate: () => ({ available: true, version: process.version }),
  prepare: (workload) => ({
    command: process.execPath,
    args: ['-e', SCRIPT],
    env: { BENCH_JOBS: JSON.stringify(workload.jobs.map((job) => job.script)) },
  }),
};
