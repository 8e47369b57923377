// Wiring the bridge into `run`: what an operator sees when a pod's service-account files are not there.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runPilotfish, writeConfig } from '../helpers/pilotfish.js';
import { freePorts } from '../helpers/peers.js';

test("a missing cluster CA is said once, not once by the bridge and again by the Service watches", async () => {
  const secrets = mkdtempSync(join(tmpdir(), 'pilotfish-serviceaccount-'));
  writeFileSync(join(secrets, 'token'), 'a-token\n');
  // An API server nobody answers: the bridge and the watches both start, and retry.
  const [port] = await freePorts(1);
  const { file } = writeConfig(`{
    kubernetes: { enabled: true, apiServer: "https://127.0.0.1:${port}", tokenFile: "${join(secrets, 'token')}", caFile: "${join(secrets, 'ca.crt')}", namespace: "shop" },
    jobs: [{ name: "app", exec: "sleep 60" }],
  }`);
  const run = runPilotfish({ args: ['run', '--config', file], env: { POD_NAME: 'web-0', PILOTFISH_SOCKET: join(secrets, 'control.socket') } });
  try {
    await run.waitForLine(/\[app\] started/);
    // Both have started once the bridge says where it reports to and a request has failed.
    await run.waitForLine(/Kubernetes API unavailable/);
    assert.equal(run.lines.filter((line) => line.includes("cannot read the API server's CA")).length, 1, run.output());
  } finally {
    run.signal('SIGTERM');
    await run.exited;
  }
});
