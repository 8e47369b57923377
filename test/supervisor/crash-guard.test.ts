// The crash guard is about the whole process (Node exits on an unhandled rejection), so it is
// tested in a process of its own.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

const GUARD = new URL('../../src/supervisor/crash-guard.js', import.meta.url).href;

function runScript(script: string) {
  return spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000 });
}

const rejectThenCarryOn = `
  Promise.reject(new Error('a bug somewhere'));
  setTimeout(() => { console.log('still running'); process.exit(0); }, 0);
`;

test('with the crash guard, an unhandled rejection is logged and the process carries on', () => {
  const result = runScript(`
    const { installCrashGuard } = await import(${JSON.stringify(GUARD)});
    const log = { debug() {}, info() {}, warn() {}, error: (message) => console.log('ERROR ' + message), child() { return log; } };
    installCrashGuard(log);
    ${rejectThenCarryOn}
  `);
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stdout, /ERROR internal error \(an unhandled promise rejection\), pilotfish carries on; this is a bug, please report it: Error: a bug somewhere/);
  assert.match(result.stdout, /still running/);
});

test('without it, Node would end the process (and as PID 1, the container)', () => {
  const result = runScript(rejectThenCarryOn);
  assert.equal(result.status, 1);
  assert.doesNotMatch(result.stdout, /still running/);
});

test('with the crash guard, an uncaught exception in a callback is logged with its stack, counted, and the process carries on', () => {
  const result = runScript(`
    const { installCrashGuard, internalErrorCount } = await import(${JSON.stringify(GUARD)});
    const log = { debug() {}, info() {}, warn() {}, error: (message) => console.log('ERROR ' + message), child() { return log; } };
    installCrashGuard(log);
    setTimeout(function sweepThatThrows() { throw Object.assign(new Error('EMFILE: too many open files'), { code: 'EMFILE' }); }, 0);
    setTimeout(() => { console.log('still running, errors: ' + internalErrorCount()); process.exit(0); }, 50);
  `);
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stdout, /ERROR internal error \(an uncaught exception\), pilotfish carries on; this is a bug, please report it: Error: EMFILE: too many open files\n\s+at Timeout.sweepThatThrows/);
  assert.match(result.stdout, /still running, errors: 1/);
});
