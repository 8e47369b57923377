// Jobs repeating a name: ContainerPilot ran every one of them, so the loader accepts them, warns
// at each later one naming both places, and gives each job a unique identity (`web#2`) while the
// name as written stays what events, variables and Consul use.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '../../src/config/errors.js';
import { jobIdentities } from '../../src/config/identity.js';
import { loadConfigText } from '../../src/config/load.js';
import type { Config } from '../../src/config/types.js';

const FILE = 'examples/app.json5';

function load(text: string, env: Record<string, string | undefined> = {}, file = FILE): Config {
  return loadConfigText(text, file, env);
}

function messagesOf(text: string): string[] {
  try {
    load(text);
  } catch (error) {
    if (error instanceof ConfigError) return error.issues.map((issue) => `${issue.path}: ${issue.message}`);
    throw error;
  }
  assert.fail('the config was accepted');
}

/** `jobs` lines go inside `jobs: [ … ]` from line 3, each job on one line at column 5. */
function jobsDocument(...jobs: string[]): string {
  return ['{', '  jobs: [', ...jobs.map((job) => `    ${job},`), '  ],', '}'].join('\n');
}

const REPEATS = (name: string, first: string, at: string, identity: string) =>
  `"${name}" is also the name of ${first} (${at}): both run, as in ContainerPilot, and publish their events as "${name}"; ` +
  `this one is "${identity}" in status, commands and metrics`;

describe('job identities', () => {
  it('are the names, with #2, #3… for later jobs of a name', () => {
    assert.deepEqual(jobIdentities(['web', 'web', 'db', 'web', 'db']), ['web', 'web#2', 'db', 'web#3', 'db#2']);
  });

  it('skip a number that a job is already called, wherever it is in the config', () => {
    assert.deepEqual(jobIdentities(['web', 'web', 'web#2']), ['web', 'web#3', 'web#2']);
    assert.deepEqual(jobIdentities(['web#2', 'web', 'web', 'web']), ['web#2', 'web', 'web#3', 'web#4']);
  });
});

describe('a config repeating a job name', () => {
  const text = jobsDocument('{ name: "web", exec: "web-a" }', '{ name: "worker", exec: "worker" }', '{ name: "web", exec: ["web-b"] }');

  it('keeps every job, each with its identity and the name as written', () => {
    const config = load(text);
    assert.deepEqual(
      config.jobs.map((job) => [job.name, job.writtenName, job.exec?.display]),
      [
        ['web', 'web', 'web-a'],
        ['worker', 'worker', 'worker'],
        ['web#2', 'web', 'web-b'],
      ],
    );
  });

  it('warns at the later job, with the file, line and column of both', () => {
    assert.deepEqual(load(text).warnings, [`${FILE}:5:7: jobs[2].name: ${REPEATS('web', 'jobs[0]', `${FILE}:3:7`, 'web#2')}`]);
  });

  it('warns at each later job, naming the first, in YAML too', () => {
    const yaml = ['jobs:', '  - name: web', '    exec: a', '  - name: web', '    exec: b', '  - name: web', '    exec: c', ''].join('\n');
    assert.deepEqual(load(yaml, {}, 'app.yaml').warnings, [
      `app.yaml:4:5: jobs[1].name: ${REPEATS('web', 'jobs[0]', 'app.yaml:2:5', 'web#2')}`,
      `app.yaml:6:5: jobs[2].name: ${REPEATS('web', 'jobs[0]', 'app.yaml:2:5', 'web#3')}`,
    ]);
  });

  it('places the warning in the template when both branches of an if render the job', () => {
    const template = [
      '{',
      '  jobs: [',
      '    {{ if .PRIMARY }}{ name: "db", exec: "db --primary" },{{ end }}',
      '    {{ if .REPLICA }}{ name: "db", exec: "db --replica" },{{ end }}',
      '  ],',
      '}',
    ].join('\n');
    const config = load(template, { PRIMARY: '1', REPLICA: '1' });
    assert.deepEqual(config.jobs.map((job) => job.name), ['db', 'db#2']);
    // Rendering changed both lines, so only the lines can be trusted.
    assert.deepEqual(config.warnings, [`${FILE}:4: jobs[1].name: ${REPEATS('db', 'jobs[0]', `${FILE}:3`, 'db#2')}`]);
    assert.deepEqual(load(template, { PRIMARY: '1' }).warnings, []);
  });

  it('has no warnings when every name is distinct', () => {
    assert.deepEqual(load(jobsDocument('{ name: "web" }', '{ name: "db" }')).warnings, []);
  });

  it('accepts hooks on the shared name, and warns of one on an identity: events are published under the name', () => {
    const hooked = load(jobsDocument('{ name: "web" }', '{ name: "web" }', '{ name: "hook", when: { source: "web", once: "exitSuccess" } }'));
    assert.equal(hooked.jobs[2]?.when.kind === 'event' && hooked.jobs[2].when.source, 'web');
    const warnings = load(jobsDocument('{ name: "web" }', '{ name: "web" }', '{ name: "hook", when: { source: "web#2", once: "healthy" } }')).warnings.filter((warning) => !/is also the name of/.test(warning));
    assert.equal(warnings.length, 1, warnings.join('\n'));
    assert.match(warnings[0] ?? '', /: jobs\[2\]\.when\.source: unknown event source "web#2" .*: this job never starts$/);
  });

  it('lets `main` name either job by its identity; only that one ends the container by default', () => {
    const second = load(`{ main: "web#2", ${jobsDocument('{ name: "web" }', '{ name: "web" }').slice(1)}`);
    assert.deepEqual(second.jobs.map((job) => job.onExit), ['ignore', 'shutdown']);
    const first = load(`{ main: "web", ${jobsDocument('{ name: "web" }', '{ name: "web" }').slice(1)}`);
    assert.deepEqual(first.jobs.map((job) => job.onExit), ['shutdown', 'ignore']);
  });

  it('applies the name rules to the name as written, never to the identity', () => {
    const health = 'health: { exec: "true", interval: 1, ttl: 5 }';
    // `web#2` is no Consul service name, but the service is `web`.
    const services = load(jobsDocument(`{ name: "web", port: 80, ${health} }`, `{ name: "web", port: 81, ${health} }`));
    assert.deepEqual(services.jobs.map((job) => job.name), ['web', 'web#2']);
    assert.deepEqual(messagesOf(jobsDocument('{ name: "global" }', '{ name: "global" }')), [
      'jobs[0].name: "global" is reserved as an event source; choose another name',
      'jobs[1].name: "global" is reserved as an event source; choose another name',
    ]);
  });

  it('still refuses two different names that make one CONTAINERPILOT_<NAME>_PID, but not a repeated one', () => {
    assert.deepEqual(messagesOf(jobsDocument('{ name: "a-b" }', '{ name: "a-b" }', '{ name: "a_b" }')), [
      'jobs[2].name: "a_b" and "a-b" (jobs[0]) would both set CONTAINERPILOT_A_B_PID; rename one',
    ]);
  });

  it('sees no cycle when another job of the name starts by itself', () => {
    const config = load(jobsDocument('{ name: "web" }', '{ name: "web", when: { source: "hook", once: "exitSuccess" } }', '{ name: "hook", when: { source: "web", once: "healthy" } }'));
    assert.deepEqual(config.jobs.map((job) => job.name), ['web', 'web#2', 'hook']);
  });

  it('reports a cycle when every job of the name waits in it', () => {
    const waitsOnHook = '{ name: "web", when: { source: "hook", once: "exitSuccess" } }';
    assert.deepEqual(messagesOf(jobsDocument(waitsOnHook, waitsOnHook, '{ name: "hook", when: { source: "web", once: "healthy" } }')), [
      'jobs[0].when.source: dependency cycle web → hook → web: each job waits for an event of the next, so none of them can start',
    ]);
  });
});
