// Templated configs: rendered over the environment before parsing, with errors placed in the
// template the user wrote.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createHash } from 'node:crypto';
import { ConfigError, type ConfigIssue } from '../../src/config/errors.js';
import { loadConfig, loadConfigText } from '../../src/config/load.js';

const TEMPLATED = fileURLToPath(new URL('../../../test/config/fixtures/templated.json5', import.meta.url));

function issuesOf(text: string, env: Record<string, string | undefined>): readonly ConfigIssue[] {
  try {
    loadConfigText(text, 'app.json5', env);
  } catch (error) {
    if (error instanceof ConfigError) return error.issues;
    throw error;
  }
  assert.fail('the config was accepted');
}

describe('a templated config', () => {
  it('fills in defaults when the environment is empty', () => {
    const config = loadConfig(TEMPLATED, {});
    assert.deepEqual(config.consul, { address: 'localhost:8500', scheme: 'http' });
    const [app, ...workers] = config.jobs;
    assert.equal(app?.port, 8080);
    assert.deepEqual(app?.exec?.argv, ['/bin/app', '--port', '8080']);
    assert.deepEqual(app?.health?.probe, { type: 'tcp', host: '127.0.0.1', port: 8080 });
    assert.deepEqual(
      workers.map((job) => [job.name, job.exec?.argv]),
      [
        ['worker-0', ['/bin/worker', '--id', '0']],
        ['worker-1', ['/bin/worker', '--id', '1']],
        ['worker-2', ['/bin/worker', '--id', '2']],
      ],
    );
    assert.deepEqual(config.watches, []);
  });

  it('generates whole jobs and watches from the environment', () => {
    const config = loadConfig(TEMPLATED, { PORT: '9000', WORKERS: '1', UPSTREAMS: 'db,cache', CONSUL_HOST: 'consul' });
    assert.deepEqual(config.consul, { address: 'consul:8500', scheme: 'http' });
    assert.deepEqual(
      config.jobs.map((job) => job.name),
      ['app', 'worker-0'],
    );
    assert.equal(config.jobs[0]?.port, 9000);
    assert.deepEqual(config.watches, [
      { name: 'db', interval: 5_000 },
      { name: 'cache', interval: 5_000 },
    ]);
    assert.deepEqual([...config.templateValues].sort(), ['1', '9000', 'consul', 'db,cache'], 'the values templated in, to be masked in logs');
  });

  it('hashes the rendered text, so a changed environment changes the hash', () => {
    const rendered = loadConfig(TEMPLATED, { PORT: '9000' });
    assert.notEqual(rendered.hash, loadConfig(TEMPLATED, {}).hash);
    assert.notEqual(rendered.hash, createHash('sha256').update(readFileSync(TEMPLATED)).digest('hex'));
  });
});

describe('template errors', () => {
  it('are placed at the template line and column', () => {
    const text = '{\n  consul: "{{ .HOST | nosuch }}:8500",\n}';
    assert.deepEqual(issuesOf(text, {}), [{ file: 'app.json5', path: '', line: 2, column: 23, message: 'function "nosuch" not defined' }]);
  });

  it('keep line and column for lines the template did not touch', () => {
    const text = '{\n  consul: "{{ .HOST }}:8500",\n  stopTimeout: "soon",\n}';
    assert.deepEqual(issuesOf(text, { HOST: 'consul' }), [
      {
        file: 'app.json5',
        path: 'stopTimeout',
        line: 3,
        column: 3,
        message: 'expected a duration such as "10s" or a number of seconds, got "soon"',
      },
    ]);
  });

  it('keep only the line where rendering changed it, since columns may have moved', () => {
    const text = '{\n  consul: "{{ .HOST }}:8500", stopTimeout: "soon",\n}';
    const [issue] = issuesOf(text, { HOST: 'a-much-longer-consul-host-name' });
    assert.deepEqual(issue, {
      file: 'app.json5',
      path: 'stopTimeout',
      line: 2,
      message: 'expected a duration such as "10s" or a number of seconds, got "soon" (in this line as its template rendered it: `pilotfish template` shows it)',
    });
  });

  it('say a syntax error is in the line as rendered, which is not the line as written (an empty variable)', () => {
    const [issue] = issuesOf('{\n  jobs: [{ name: "a", exec: "true",\n    port: {{ .PORT }} }],\n}', {});
    assert.deepEqual(issue, { file: 'app.json5', path: '', line: 3, message: "invalid character '}' (in this line as its template rendered it: `pilotfish template` shows it)" });
  });

  it('drop the position when rendering added lines, rather than point at the wrong one', () => {
    const text = '{\n  jobs: [\n{{ range $i := loop 2 }}    { name: "w{{ $i }}", restarts: "often" },\n{{ end }}  ],\n}';
    assert.deepEqual(
      issuesOf(text, {}).map((issue) => [issue.path, issue.line]),
      [
        ['jobs[0].restarts', undefined],
        ['jobs[1].restarts', undefined],
      ],
    );
  });
});
