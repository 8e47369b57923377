// A launch that waits for its NOTIFY_SOCKET can be overtaken by a stop and a new start. In a file
// of its own: the first notify socket of a process waits for koffi to load, which is what leaves
// the launch waiting long enough here, as it does in a freshly started pilotfish.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventBus } from '../../src/events/bus.js';
import { Job } from '../../src/jobs/job.js';
import { ProcessTable } from '../../src/process/process-table.js';
import { command, jobConfig } from '../helpers/job-config.js';
import { recordingLogger } from '../helpers/log.js';
import { waitFor } from '../helpers/wait.js';

test('a launch overtaken by a stop while its NOTIFY_SOCKET was being bound gives up: one process, one socket', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pilotfish-race-'));
  const { log, lines } = recordingLogger();
  const bus = new EventBus();
  const job = new Job(jobConfig('notified', { exec: command('sleep 30'), notify: true }), {
    bus,
    log,
    environment: () => ({ PATH: process.env.PATH }),
    notifySocketPath: () => join(dir, 'notified.notify'),
    awaitStoppingHooks: async () => undefined,
    processes: new ProcessTable(),
  });
  const started = () => lines.filter((line) => /started: sleep/.test(line)).length;
  // A restart through the control plane (stop, then start) while the first launch still waits
  // for its socket: koffi, which binds it, is loaded on first use.
  job.startNow();
  await job.stopByOperator();
  job.startNow();
  await waitFor(() => job.state === 'running', 'the job to run');
  assert.equal(started(), 1, lines.join('\n'));
  assert.ok(existsSync(join(dir, 'notified.notify')), 'the running launch keeps its socket');
  await job.stop();
  assert.equal(started(), 1, lines.join('\n'));
  assert.ok(!existsSync(join(dir, 'notified.notify')), 'the socket is removed with the stop');
});

