// Malformed configs: each must fail with its own message, at its path, at its line and column.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, type ConfigIssue } from '../../src/config/errors.js';
import { loadConfig, loadConfigText } from '../../src/config/load.js';

const FILE = 'examples/app.json5';

function issuesOf(text: string, file = FILE, env: Record<string, string | undefined> = {}): readonly ConfigIssue[] {
  try {
    loadConfigText(text, file, env);
  } catch (error) {
    if (error instanceof ConfigError) return error.issues;
    throw error;
  }
  assert.fail('the config was accepted');
}

/** Line `line` of `text`, and the column where `needle` first appears on it. */
function at(text: string, line: number, needle: string): { line: number; column: number } {
  const column = (text.split('\n')[line - 1] ?? '').indexOf(needle) + 1;
  assert.ok(column > 0, `${JSON.stringify(needle)} is not on line ${line}`);
  return { line, column };
}

function assertOnlyIssue(text: string, expected: Omit<ConfigIssue, 'file'>, file = FILE): void {
  const issues = issuesOf(text, file);
  assert.deepEqual(issues, [{ file, ...expected }]);
}

/** A one-job document; `lines` go inside the job from line 6, indented to column 7. */
function jobWith(...lines: string[]): string {
  return ['{', '  jobs: [', '    {', '      name: "app",', '      exec: "/bin/app",', ...lines.map((line) => `      ${line}`), '    },', '  ],', '}'].join(
    '\n',
  );
}

/** `jobs` lines go inside `jobs: [ … ]` from line 3, each job on one line. */
function jobsDocument(...jobs: string[]): string {
  return ['{', '  jobs: [', ...jobs.map((job) => `    ${job},`), '  ],', '}'].join('\n');
}

describe('syntax errors', () => {
  it('reports JSON5 syntax errors with json5\'s line and column', () => {
    const text = '{\n  jobs: [\n    { name: "a" exec: "x" },\n  ],\n}';
    assertOnlyIssue(text, { path: '', ...at(text, 3, 'exec'), message: "invalid character 'e'" });
  });

  it('reports an empty JSON5 file', () => {
    assertOnlyIssue('', { path: '', line: 1, column: 1, message: 'invalid end of input' });
  });

  it('reports YAML syntax errors with their line and column', () => {
    const text = 'jobs:\n  - name: a\n   exec: x\n';
    assertOnlyIssue(text, { path: '', line: 3, column: 1, message: 'Sequence item without - indicator' }, 'app.yaml');
  });

  it('reports duplicate YAML keys', () => {
    const text = 'stopTimeout: 5\nstopTimeout: 6\n';
    assertOnlyIssue(text, { path: '', line: 2, column: 1, message: 'duplicate key "stopTimeout", already set on line 1' }, 'app.yml');
  });

  it('refuses a YAML key that is a sequence or a mapping, where it is, instead of making it a string', () => {
    const text = 'jobs:\n  - name: a\n    exec: sleep 1\n    env:\n      ? [X, Y]\n      : "1"\n';
    assertOnlyIssue(text, { path: '', ...at(text, 5, '['), message: 'a key must be a string, not a sequence' }, 'app.yaml');
    const flow = 'jobs: [{ name: a, exec: sleep 1, { x: 1 }: 2 }]\n';
    assertOnlyIssue(flow, { path: '', ...at(flow, 1, '{ x'), message: 'a key must be a string, not a mapping' }, 'app.yaml');
    const alias = 'x-keys: &pair [X, Y]\njobs:\n  - name: a\n    exec: sleep 1\n    env:\n      ? *pair\n      : "1"\n';
    assertOnlyIssue(alias, { path: '', ...at(alias, 6, '*pair'), message: 'a key must be a string, not a sequence' }, 'app.yaml');
  });

  it('refuses unresolved YAML aliases', () => {
    assertOnlyIssue('a: *nowhere\n', { path: '', message: 'Unresolved alias (the anchor must be set before the alias): nowhere' }, 'app.yaml');
  });

  it('refuses a document that is not an object', () => {
    assertOnlyIssue('[]', { path: '', line: 1, column: 1, message: 'expected an object, got an array' });
  });

  it('reports a missing file', () => {
    assert.throws(
      () => loadConfig('/nonexistent/pilotfish.json5', {}),
      (error: unknown) =>
        error instanceof ConfigError &&
        error.issues.length === 1 &&
        error.issues[0]?.file === '/nonexistent/pilotfish.json5' &&
        error.message.startsWith('/nonexistent/pilotfish.json5: cannot read the config file: ENOENT'),
    );
  });
});

describe('unknown keys', () => {
  it('rejects an unknown top-level key with a suggestion', () => {
    const text = '{\n  consull: "consul:8500",\n}';
    assertOnlyIssue(text, { path: 'consull', ...at(text, 2, 'consull'), message: 'unknown key; did you mean `consul`?' });
  });

  it('rejects an API server that is not a URL, and a misspelled Kubernetes key', () => {
    const text = '{\n  kubernetes: {\n    apiServer: "10.0.0.1:6443",\n    event: false,\n  },\n}';
    assert.deepEqual(issuesOf(text), [
      { file: FILE, path: 'kubernetes.apiServer', ...at(text, 3, 'apiServer'), message: 'expected an http:// or https:// URL, got "10.0.0.1:6443"' },
      { file: FILE, path: 'kubernetes.event', ...at(text, 4, 'event'), message: 'unknown key; did you mean `events`?' },
    ]);
  });

  it('rejects `restart` (ContainerPilot docs once showed it) and suggests `restarts`', () => {
    const text = jobWith('restart: "always",');
    assertOnlyIssue(text, { path: 'jobs[0].restart', ...at(text, 6, 'restart'), message: 'unknown key; did you mean `restarts`?' });
  });

  it('rejects `tll` (a typo in ContainerPilot\'s own docs) and suggests `ttl`', () => {
    const text = jobWith('health: {', '  exec: "true",', '  interval: 5,', '  tll: 10,', '},');
    assertOnlyIssue(text, { path: 'jobs[0].health.tll', ...at(text, 9, 'tll'), message: 'unknown key; did you mean `ttl`?' });
  });

  it('suggests nothing when no key is close', () => {
    const text = jobWith('flavour: "vanilla",');
    assertOnlyIssue(text, { path: 'jobs[0].flavour', ...at(text, 6, 'flavour'), message: 'unknown key' });
  });

  it('suggests in the spelling style the user wrote', () => {
    const text = jobWith('initial_stats: "passing",');
    assertOnlyIssue(text, { path: 'jobs[0].initial_stats', ...at(text, 6, 'initial_stats'), message: 'unknown key; did you mean `initial_status`?' });
  });

  it("suggests pilotfish's key for another supervisor's word, or a typo of it, where that key belongs", () => {
    const suggestion = (key: string) => {
      const [issue] = issuesOf(jobWith(`${key}: "x",`));
      return issue?.message;
    };
    assert.equal(suggestion('command'), 'unknown key; did you mean `exec`?');
    assert.equal(suggestion('comand'), 'unknown key; did you mean `exec`?');
    assert.equal(suggestion('cmd'), 'unknown key; did you mean `exec`?');
    assert.equal(suggestion('healthcheck'), 'unknown key; did you mean `health`?');
    assert.equal(suggestion('depends_on'), 'unknown key; did you mean `when`?');
    assert.equal(suggestion('environment'), 'unknown key; did you mean `env`?');
    assert.equal(suggestion('working_dir'), 'unknown key; did you mean `cwd`?');
    assert.equal(suggestion('stopwaitsecs'), 'unknown key; did you mean `stopTimeout`?');
    // Only where the key exists: there is no exec at the top level.
    assertOnlyIssue('{\n  command: "x",\n}', { path: 'command', ...at('{\n  command: "x",\n}', 2, 'command'), message: 'unknown key' });
  });

  it('finds unknown keys inside the object form of a union field', () => {
    const text = '{\n  consul: {\n    address: "consul:8500",\n    tls: { verfy: true },\n  },\n}';
    assertOnlyIssue(text, { path: 'consul.tls.verfy', ...at(text, 4, 'verfy'), message: 'unknown key; did you mean `verify`?' });
  });

  it("names a ContainerPilot 2 config's top-level keys as such, with what ContainerPilot 3 made of each", () => {
    const text = '{\n  services: [],\n  backends: [],\n  preStart: "/bin/setup",\n}';
    const v2 = 'unknown key: a ContainerPilot 2 key; pilotfish reads ContainerPilot 3 configs, where';
    assert.deepEqual(issuesOf(text), [
      { file: FILE, path: 'services', ...at(text, 2, 'services'), message: `${v2} services are \`jobs\` (with \`port\` and \`health\` to register them)` },
      { file: FILE, path: 'backends', ...at(text, 3, 'backends'), message: `${v2} backends are \`watches\`, and their onChange a job on the watch's \`changed\`` },
      { file: FILE, path: 'preStart', ...at(text, 4, 'preStart'), message: `${v2} preStart is a job the app waits for (\`when: {source: "prestart", once: "exitSuccess"}\`)` },
    ]);
  });

  it('rejects a key given in both snake_case and camelCase', () => {
    const text = jobWith('stop_timeout: "5s",', 'stopTimeout: "10s",');
    assertOnlyIssue(text, {
      path: 'jobs[0].stopTimeout',
      ...at(text, 7, 'stopTimeout'),
      message: '`stop_timeout` is given already: they are the same key, keep one',
    });
  });
});

describe('types and values', () => {
  it('rejects wrong types', () => {
    const text = jobsDocument('{ name: 5 }', '{ name: "b", tags: "web", notify: "yes" }');
    assert.deepEqual(issuesOf(text), [
      { file: FILE, path: 'jobs[0].name', ...at(text, 3, 'name'), message: 'expected a string, got 5' },
      { file: FILE, path: 'jobs[1].tags', ...at(text, 4, 'tags'), message: 'expected an array, got "web"' },
      { file: FILE, path: 'jobs[1].notify', ...at(text, 4, 'notify'), message: 'expected true or false, got "yes"' },
    ]);
  });

  it('requires a job name that is not blank', () => {
    const text = jobsDocument('{ exec: "a" }', '{ name: "  " }');
    assert.deepEqual(issuesOf(text), [
      { file: FILE, path: 'jobs[0].name', ...at(text, 3, '{'), message: 'is required' },
      { file: FILE, path: 'jobs[1].name', ...at(text, 4, 'name'), message: 'must not be blank' },
    ]);
  });

  it('rejects a bad duration', () => {
    const text = jobWith('timeout: "fast",');
    assertOnlyIssue(text, {
      path: 'jobs[0].timeout',
      ...at(text, 6, 'timeout'),
      message: 'expected a duration such as "10s" or a number of seconds, got "fast"',
    });
  });

  it('rejects a duration of the wrong type', () => {
    const text = jobWith('stopTimeout: true,');
    assertOnlyIssue(text, {
      path: 'jobs[0].stopTimeout',
      ...at(text, 6, 'stopTimeout'),
      message: 'expected a duration such as "10s" or a number of seconds, got true',
    });
  });

  it('rejects a zero health interval', () => {
    const text = jobWith('health: { exec: "true", interval: 0 },');
    assertOnlyIssue(text, { path: 'jobs[0].health.interval', ...at(text, 6, 'interval'), message: 'must be at least 100ms, got 0s' });
  });

  it('rejects a negative periodic interval', () => {
    const text = jobWith('when: { interval: "-5s" },');
    assertOnlyIssue(text, { path: 'jobs[0].when.interval', ...at(text, 6, 'interval'), message: 'must be at least 100ms, got -5s' });
  });

  it('rejects a negative stop timeout', () => {
    const text = '{\n  stopTimeout: -1,\n}';
    assertOnlyIssue(text, { path: 'stopTimeout', ...at(text, 2, 'stopTimeout'), message: 'must be at least 0s, got -1s' });
  });

  it('rejects a bad restarts value', () => {
    const text = jobWith('restarts: "always",');
    assertOnlyIssue(text, {
      path: 'jobs[0].restarts',
      ...at(text, 6, 'restarts'),
      message: 'expected "unlimited", "never" or a whole number of restarts, got "always"',
    });
  });

  it('rejects an unknown stop signal with a suggestion', () => {
    const text = jobWith('stopSignal: "SIGTREM",');
    assertOnlyIssue(text, {
      path: 'jobs[0].stopSignal',
      ...at(text, 6, 'stopSignal'),
      message: 'expected a signal name such as "SIGTERM", got "SIGTREM"; did you mean "SIGTERM"?',
    });
  });

  it('rejects a backoff factor below 1', () => {
    const text = jobWith('backoff: { factor: 0.5 },');
    assertOnlyIssue(text, { path: 'jobs[0].backoff.factor', ...at(text, 6, 'factor'), message: 'must be at least 1, got 0.5' });
  });

  it('rejects a threshold of 0', () => {
    const text = jobWith('health: { exec: "true", interval: 5, threshold: 0 },');
    assertOnlyIssue(text, { path: 'jobs[0].health.threshold', ...at(text, 6, 'threshold'), message: 'must be at least 1, got 0' });
  });

  it('rejects a port out of range', () => {
    const text = jobWith('port: 70000,');
    assertOnlyIssue(text, { path: 'jobs[0].port', ...at(text, 6, 'port'), message: 'expected a port number from 1 to 65535, got 70000' });
  });

  it('rejects a bad initial_status', () => {
    const text = jobWith('initial_status: "ok",');
    assertOnlyIssue(text, {
      path: 'jobs[0].initial_status',
      ...at(text, 6, 'initial_status'),
      message: 'expected one of "passing", "warning", "critical", got "ok"',
    });
  });

  it('rejects an empty exec array', () => {
    const text = jobsDocument('{ name: "app", exec: [] }');
    assertOnlyIssue(text, { path: 'jobs[0].exec', ...at(text, 3, 'exec'), message: 'a command array must not be empty' });
  });

  it('rejects a non-string in an exec array, pointing at the item', () => {
    const text = jobsDocument('{ name: "app", exec: ["/bin/app", 8080] }');
    assertOnlyIssue(text, { path: 'jobs[0].exec[1]', ...at(text, 3, '8080'), message: 'expected a string, got 8080' });
  });

  it('rejects an exec string with an unclosed quote', () => {
    const text = jobsDocument(`{ name: "app", exec: "echo 'hi" }`);
    assertOnlyIssue(text, { path: 'jobs[0].exec', ...at(text, 3, 'exec'), message: 'unclosed quote in "echo \'hi"' });
  });

  it('rejects env values that are not scalars', () => {
    const text = jobWith('env: { GOOD: 1, BAD: null },');
    assertOnlyIssue(text, { path: 'jobs[0].env.BAD', ...at(text, 6, 'BAD'), message: 'expected a string, got null' });
  });

  it('rejects a bad consul address', () => {
    const text = '{\n  consul: "consul:port",\n}';
    assertOnlyIssue(text, {
      path: 'consul',
      ...at(text, 2, 'consul'),
      message: 'expected a Consul address such as "consul:8500" or "https://consul:8501", got "consul:port"',
    });
  });

  it('rejects an unknown logging level', () => {
    const text = '{\n  logging: { level: "verbose" },\n}';
    assertOnlyIssue(text, {
      path: 'logging.level',
      ...at(text, 2, 'level'),
      message: 'expected one of TRACE, DEBUG, INFO, WARN, WARNING, ERROR, FATAL, PANIC, got "verbose"',
    });
  });

  it('rejects an HTTP probe URL that is not http(s)', () => {
    const text = jobWith('health: { http: "ftp://example.com", interval: 5 },');
    assertOnlyIssue(text, { path: 'jobs[0].health.http', ...at(text, 6, 'http'), message: 'expected an http:// or https:// URL, got "ftp://example.com"' });
  });

  it('rejects an expectStatus that is neither a status nor a list, naming what it takes', () => {
    const text = jobWith('health: { http: { url: "http://localhost/", expectStatus: "ok" }, interval: 5 },');
    assertOnlyIssue(text, { path: 'jobs[0].health.http.expectStatus', ...at(text, 6, 'expectStatus'), message: 'expected an HTTP status or a list of them, got "ok"' });
  });

  it('rejects a TCP probe without a port', () => {
    const text = jobWith('health: { tcp: "localhost", interval: 5 },');
    assertOnlyIssue(text, { path: 'jobs[0].health.tcp', ...at(text, 6, 'tcp'), message: 'expected "host:port", got "localhost"' });
  });

  it('rejects an invalid watch name and a watch without interval', () => {
    const text = '{\n  watches: [\n    { name: "Bad_Name", interval: 5 },\n    { name: "db" },\n  ],\n}';
    assert.deepEqual(issuesOf(text), [
      {
        file: FILE,
        path: 'watches[0].name',
        ...at(text, 3, 'name'),
        message: 'expected a service name matching ^[a-z][a-zA-Z0-9-]+$, got "Bad_Name"',
      },
      { file: FILE, path: 'watches[1].interval', ...at(text, 4, '{'), message: 'is required' },
    ]);
  });
});

describe('when', () => {
  it('rejects once together with each', () => {
    const text = jobWith('when: { source: "db", once: "healthy", each: "healthy" },');
    assertOnlyIssue(text, {
      path: 'jobs[0].when.each',
      ...at(text, 6, 'each'),
      message: 'cannot be combined with `once`: a job starts on one of `interval`, `once` or `each`',
    });
  });

  it('rejects interval together with each', () => {
    const text = jobWith('when: { interval: "5s", each: "changed" },');
    assertOnlyIssue(text, {
      path: 'jobs[0].when.each',
      ...at(text, 6, 'each'),
      message: 'cannot be combined with `interval`: a job starts on one of `interval`, `once` or `each`',
    });
  });

  it('rejects an unknown event with a suggestion', () => {
    const text = jobWith('when: { source: "db", once: "helthy" },');
    const events = '"startup", "shutdown", "exitSuccess", "exitFailed", "healthy", "unhealthy", "changed", "stopping", "stopped", "enterMaintenance", "exitMaintenance", "timerExpired"';
    assertOnlyIssue(text, { path: 'jobs[0].when.once', ...at(text, 6, 'once'), message: `expected one of ${events}, got "helthy"; did you mean "healthy"?` });
  });

  it('requires a source for once and each', () => {
    const text = jobWith('when: { once: "healthy" },');
    assertOnlyIssue(text, { path: 'jobs[0].when.once', ...at(text, 6, 'once'), message: 'needs a `source`: the job or watch whose event starts this job' });
  });

  it('requires once or each for a job source', () => {
    const text = jobsDocument('{ name: "db" }', '{ name: "app", when: { source: "db" } }');
    assertOnlyIssue(text, {
      path: 'jobs[1].when.source',
      ...at(text, 4, 'source'),
      message: 'needs `once` or `each`: which event of "db" starts the job',
    });
  });

  it('rejects once/each with a signal source', () => {
    const text = jobWith('when: { source: "SIGHUP", each: "changed" },');
    assertOnlyIssue(text, { path: 'jobs[0].when.each', ...at(text, 6, 'each'), message: 'is not used with a signal source: the job runs on every SIGHUP' });
  });

  it('rejects a job that waits for its own events', () => {
    const text = jobsDocument('{ name: "app", when: { source: "app", once: "exitSuccess" } }');
    assertOnlyIssue(text, {
      path: 'jobs[0].when.source',
      ...at(text, 3, 'source'),
      message: 'the job waits for an event of its own, so it can never start (app → app)',
    });
  });

  it('rejects a cycle of three jobs, once, naming it from its first job', () => {
    const text = jobsDocument(
      '{ name: "setup" }',
      '{ name: "b", when: { source: "c", once: "healthy" } }',
      '{ name: "a", when: { source: "b", once: "healthy" } }',
      '{ name: "c", when: { source: "a", once: "healthy" } }',
      '{ name: "d", when: { source: "c", once: "healthy" } }',
    );
    assertOnlyIssue(text, {
      path: 'jobs[1].when.source',
      ...at(text, 4, 'source'),
      message: 'dependency cycle b → c → a → b: each job waits for an event of the next, so none of them can start',
    });
  });
});

describe('jobs', () => {
  it('rejects duplicate watch names (jobs may repeat a name: repeated-names.test.ts)', () => {
    const text = '{\n  jobs: [{ name: "a" },\n    { name: "a" }],\n  watches: [{ name: "db", interval: 5 },\n    { name: "db", interval: 9 }],\n}';
    assert.deepEqual(issuesOf(text), [
      { file: FILE, path: 'watches[1].name', ...at(text, 5, 'name'), message: 'duplicate name "db", already used by watches[0]' },
    ]);
  });

  it('rejects a port without a health check', () => {
    const text = jobWith('port: 8080,');
    assertOnlyIssue(text, { path: 'jobs[0].port', ...at(text, 6, 'port'), message: 'needs a `health` check: it keeps the Consul registration alive' });
  });

  it('rejects a port on a job whose name is not a service name', () => {
    const text = jobsDocument('{ name: "My App", port: 80, health: { exec: "true", interval: 5, ttl: 10 } }');
    assertOnlyIssue(text, {
      path: 'jobs[0].name',
      ...at(text, 3, 'name'),
      message: 'a job with a `port` is registered in Consul, so its name must match ^[a-z][a-zA-Z0-9-]+$, got "My App"',
    });
  });

  it('requires a ttl when the job has a port, pointing at `health`', () => {
    const text = jobWith('port: 8080,', 'health: { exec: "true", interval: 5 },');
    assertOnlyIssue(text, {
      path: 'jobs[0].health.ttl',
      ...at(text, 7, 'health'),
      message: 'is required when the job has a `port`: it is the TTL of the Consul check',
    });
  });

  it('rejects two probes', () => {
    const text = jobWith('health: { exec: "true", tcp: "127.0.0.1:80", interval: 5 },');
    assertOnlyIssue(text, { path: 'jobs[0].health.tcp', ...at(text, 6, 'tcp'), message: 'cannot be combined with `exec`: a check runs one probe' });
  });

  it('rejects a health check without a probe', () => {
    const text = jobWith('health: { interval: 5, ttl: 10 },');
    assertOnlyIssue(text, { path: 'jobs[0].health', ...at(text, 6, 'health'), message: 'needs a probe: one of `exec`, `http` or `tcp`' });
  });

  it('rejects unlimited restarts with when.each, as ContainerPilot does', () => {
    const text = jobsDocument('{ name: "db" }', '{ name: "app", restarts: "unlimited", when: { source: "db", each: "healthy" } }');
    assertOnlyIssue(text, {
      path: 'jobs[1].restarts',
      ...at(text, 4, 'restarts'),
      message: '"unlimited" cannot be used with `when.each`: every event would start another process that restarts forever',
    });
  });

  it('rejects a backoff limit below its delay, counting the default limit', () => {
    const text = jobWith('backoff: {', '  delay: "1m",', '},');
    assertOnlyIssue(text, { path: 'jobs[0].backoff.limit', ...at(text, 6, 'backoff'), message: 'must not be less than `delay` (1m), got 30s' });
  });

  it('rejects names reserved for event sources', () => {
    const text = jobsDocument('{ name: "global" }', '{ name: "watch.db" }');
    assert.deepEqual(issuesOf(text), [
      { file: FILE, path: 'jobs[0].name', ...at(text, 3, 'name'), message: '"global" is reserved as an event source; choose another name' },
      { file: FILE, path: 'jobs[1].name', ...at(text, 4, 'name'), message: 'names starting with "watch." are reserved for watches\' events' },
    ]);
  });

  it('rejects a `main` that names no job', () => {
    const text = '{\n  main: "ap",\n  jobs: [{ name: "app" }],\n}';
    assertOnlyIssue(text, { path: 'main', ...at(text, 2, 'main'), message: 'there is no job named "ap"; did you mean "app"?' });
  });
});

describe('reporting', () => {
  it('reports every problem of a stage at once, in document order, one line each', () => {
    const text = [
      '{',
      '  consull: "x",',
      '  jobs: [',
      '    { name: "a", restart: 1, health: { exec: "true", interval: "fast" } },',
      '    { name: "b", when: { source: "a", once: "healthy", each: "healthy" } },',
      '  ],',
      '}',
    ].join('\n');
    assert.throws(
      () => loadConfigText(text, FILE, {}),
      new ConfigError([
        { file: FILE, path: 'consull', line: 2, column: 3, message: 'unknown key; did you mean `consul`?' },
        { file: FILE, path: 'jobs[0].restart', line: 4, column: 18, message: 'unknown key; did you mean `restarts`?' },
        {
          file: FILE,
          path: 'jobs[0].health.interval',
          line: 4,
          column: 54,
          message: 'expected a duration such as "10s" or a number of seconds, got "fast"',
        },
        {
          file: FILE,
          path: 'jobs[1].when.each',
          line: 5,
          column: 56,
          message: 'cannot be combined with `once`: a job starts on one of `interval`, `once` or `each`',
        },
      ]),
    );
    try {
      loadConfigText(text, FILE, {});
    } catch (error) {
      assert.equal(
        (error as Error).message,
        [
          'examples/app.json5:2:3: consull: unknown key; did you mean `consul`?',
          'examples/app.json5:4:18: jobs[0].restart: unknown key; did you mean `restarts`?',
          'examples/app.json5:4:54: jobs[0].health.interval: expected a duration such as "10s" or a number of seconds, got "fast"',
          'examples/app.json5:5:56: jobs[1].when.each: cannot be combined with `once`: a job starts on one of `interval`, `once` or `each`',
        ].join('\n'),
      );
    }
  });

  it('reports every rule violation at once', () => {
    const text = jobsDocument('{ name: "web", port: 80 }', '{ name: "global", when: { source: "global", once: "healthy" } }');
    assert.deepEqual(
      issuesOf(text).map((issue) => issue.path),
      ['jobs[0].port', 'jobs[1].name', 'jobs[1].when.source'],
    );
  });

  it('locates schema errors in YAML documents', () => {
    const text = 'jobs:\n  - name: app\n    health:\n      exec: "true"\n      interval: fast\n';
    assertOnlyIssue(
      text,
      { path: 'jobs[0].health.interval', line: 5, column: 7, message: 'expected a duration such as "10s" or a number of seconds, got "fast"' },
      'app.yaml',
    );
  });

  it('reports paths in the user\'s snake_case spelling', () => {
    const text = jobWith('stop_signal: "bogus",');
    assertOnlyIssue(text, { path: 'jobs[0].stop_signal', ...at(text, 6, 'stop_signal'), message: 'expected a signal name such as "SIGTERM", got "bogus"' });
  });

  it('quotes keys that are not identifiers in paths', () => {
    const text = jobWith('env: { "MY-VAR": [] },');
    assertOnlyIssue(text, { path: 'jobs[0].env["MY-VAR"]', ...at(text, 6, '"MY-VAR"'), message: 'expected a string, got an array' });
  });
});
