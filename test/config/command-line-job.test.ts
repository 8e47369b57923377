// The command after `pilotfish --` as the job `main`, alone or combined with a config.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { commandLineOnlyConfig } from '../../src/config/build.js';
import { parseCommand } from '../../src/config/command.js';
import { loadConfigText } from '../../src/config/load.js';

const ARGV: [string, ...string[]] = ['node', '-e', 'console.log("a b")', '--flag', '1', ''];
const COMMAND = parseCommand(ARGV);

test('without a config the command is the one job, `main`, run as given and ending pilotfish when it ends', () => {
  const config = commandLineOnlyConfig(COMMAND);
  assert.equal(config.main, 'main');
  assert.equal(config.jobs.length, 1);
  const [job] = config.jobs;
  assert.equal(job?.name, 'main');
  assert.deepEqual(job?.exec?.argv, ARGV);
  assert.equal(job?.onExit, 'shutdown');
  assert.equal(job?.restarts, 0);
  assert.equal(config.mainExecReplaced, undefined);
});

test('a config without a `main` job gets it, and its jobs may hook it', () => {
  const text = `{ jobs: [ { name: "announce", exec: "echo up", when: { source: "main", once: "exitSuccess" } } ] }`;
  assert.match(loadConfigText(text, 'app.json5', {}).warnings.join('\n'), /unknown event source "main"/, 'without the command, "main" is an unknown source');
  const config = loadConfigText(text, 'app.json5', {}, COMMAND);
  assert.deepEqual(config.warnings, []);
  assert.deepEqual(config.jobs.map((job) => job.name), ['announce', 'main']);
  assert.equal(config.main, 'main');
  assert.deepEqual(config.jobs[1]?.exec?.argv, ARGV);
  assert.equal(config.jobs[1]?.onExit, 'shutdown');
});

test("the config's `main` entry keeps its definition and takes the command as its exec", () => {
  const text = `{
    jobs: [
      { name: "main", exec: "sleep {{ .SECRET }}", restarts: 2, onExit: "shutdownOnFailure", port: 8080, tags: ["web"],
        health: { exec: "true", interval: "1s", ttl: "10s" } },
    ],
  }`;
  const config = loadConfigText(text, 'app.json5', { SECRET: '5' }, COMMAND);
  const [job] = config.jobs;
  assert.deepEqual(job?.exec?.argv, ARGV);
  assert.equal(job?.restarts, 2);
  assert.equal(job?.onExit, 'shutdownOnFailure');
  assert.equal(job?.port, 8080);
  assert.deepEqual(job?.tags, ['web']);
  assert.equal(job?.health?.interval, 1000);
  assert.equal(config.mainExecReplaced, true);
  // Without exec in the config, nothing was replaced.
  assert.equal(loadConfigText(`{ jobs: [ { name: "main" } ], main: "main" }`, 'app.json5', {}, COMMAND).mainExecReplaced, undefined);
});

test('a `main` naming another job makes that job the one that runs the command (its Consul name, its hooks)', () => {
  const text = `{
    jobs: [ { name: "web", exec: "sleep 1", port: 8080, health: { exec: "true", interval: "1s", ttl: "10s" } }, { name: "other", exec: "sleep 2" } ],
    main: "web",
  }`;
  const config = loadConfigText(text, 'app.json5', {}, COMMAND);
  assert.equal(config.main, 'web');
  assert.deepEqual(config.jobs.map((job) => [job.name, job.exec?.argv]), [['web', ARGV], ['other', ['sleep', '2']]]);
  assert.equal(config.jobs[0]?.onExit, 'shutdown');
  assert.equal(config.mainExecReplaced, true);
  // Named but not defined: the command is that job.
  const named = loadConfigText(`{ main: "api", jobs: [ { name: "hook", exec: "true", when: { source: "api", once: "healthy" } } ] }`, 'app.json5', {}, COMMAND);
  assert.deepEqual(named.jobs.map((job) => job.name), ['hook', 'api']);
  assert.deepEqual(named.jobs[1]?.exec?.argv, ARGV);
});
