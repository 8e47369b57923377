import { test } from 'node:test';
import assert from 'node:assert/strict';
import { envName } from '../../src/config/env-name.js';
import { jobEnvironment } from '../../src/supervisor/environment.js';

const base = { PATH: '/usr/bin', SHARED: 'base', NOTIFY_SOCKET: '/run/systemd/notify' };

test("children get ContainerPilot's variables and pilotfish's", () => {
  const env = jobEnvironment({ base, overlay: {}, supervisorPid: 1, runningPids: new Map([['my-app', 42]]), serviceAddresses: new Map(), jobEnv: {} });
  assert.equal(env.CONTAINERPILOT_PID, '1');
  assert.equal(env.PILOTFISH_PID, '1');
  assert.equal(env.CONTAINERPILOT_MY_APP_PID, '42');
  assert.equal(env.PILOTFISH_MY_APP_PID, '42');
  assert.equal(env.PATH, '/usr/bin');
});

test('the job env wins over putenv, which wins over the inherited env', () => {
  const env = jobEnvironment({ base, overlay: { SHARED: 'overlay', ONLY_OVERLAY: 'o' }, supervisorPid: 1, runningPids: new Map(), serviceAddresses: new Map(), jobEnv: { SHARED: 'job' } });
  assert.equal(env.SHARED, 'job');
  assert.equal(env.ONLY_OVERLAY, 'o');
});

test("NOTIFY_SOCKET is the job's own, or absent: an inherited one is not passed on", () => {
  const without = jobEnvironment({ base, overlay: {}, supervisorPid: 1, runningPids: new Map(), serviceAddresses: new Map(), jobEnv: {} });
  assert.equal(without.NOTIFY_SOCKET, undefined);
  const withSocket = jobEnvironment({ base, overlay: {}, supervisorPid: 1, runningPids: new Map(), serviceAddresses: new Map(), jobEnv: {}, notifySocket: '/tmp/app.notify' });
  assert.equal(withSocket.NOTIFY_SOCKET, '/tmp/app.notify');
});

test('job names become variable names', () => {
  assert.equal(envName('nginx-front.1'), 'NGINX_FRONT_1');
});
