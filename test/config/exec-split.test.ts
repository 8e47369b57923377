// ContainerPilot's exec splitting, end to end: a template value that renders empty stays an empty
// argument, so `-pw` is not taken as the value of `-u`, and one holding `$`, `&` or a quote reaches
// the app as it is (issue 12, item 4).
import assert from 'node:assert/strict';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadConfigText } from '../../src/config/load.js';
import { runPilotfish, writeConfig } from '../helpers/pilotfish.js';

/** Runs `{{ .DIR }}/args.py ARGS` as the job's exec string and returns the argv it printed, as JSON. */
async function argsPrinted(args: string, env: Record<string, string | undefined>): Promise<string> {
  const { dir, file } = writeConfig(`{
  jobs: [{ name: "app", exec: "{{ .DIR }}/args.py ${args}", onExit: "shutdown" }],
}`);
  const script = join(dir, 'args.py');
  writeFileSync(script, '#!/usr/bin/env python3\nimport json, sys\nprint("argv=" + json.dumps(sys.argv[1:]))\n');
  chmodSync(script, 0o755);
  const run = runPilotfish({ args: ['run', '--config', file], env: { DIR: dir, ...env } });
  assert.equal((await run.exited).code, 0, run.output());
  return /argv=(.*)/.exec(run.output())?.[1] ?? assert.fail(run.output());
}

describe('exec strings as ContainerPilot splits them', () => {
  it('passes empty template values as empty arguments', async () => {
    assert.equal(await argsPrinted('-u {{ .U }} -pw {{ .P }} status', { U: '', P: undefined }), '["-u", "", "-pw", "", "status"]');
  });
});

describe('template values in exec strings are data, as in ContainerPilot', () => {
  /** `literal` is the JSON5 string as written in the config, quotes included. */
  const argvOf = (literal: string, env: Record<string, string>) => {
    const config = loadConfigText(`{ jobs: [{ name: "app", exec: ${literal}, port: 80, health: { exec: ${literal}, interval: "1s", ttl: "5s" } }] }`, 'app.json5', env);
    const [job] = config.jobs;
    assert.ok(job?.exec && job.health?.probe.type === 'exec');
    assert.deepEqual(job.health.probe.command.argv, job.exec.argv, 'health.exec is read the same way');
    return job.exec.argv;
  };

  it('passes shell syntax and quotes a value brings in as they are, split at spaces', () => {
    assert.deepEqual(argvOf('"app --password {{ .PW }}"', { PW: 'a$b&c;d|e' }), ['app', '--password', 'a$b&c;d|e']);
    assert.deepEqual(argvOf('"app --name {{ .NAME }}"', { NAME: "it's" }), ['app', '--name', "it's"]);
    assert.deepEqual(argvOf("'{{ .CMD }}'", { CMD: 'a && b' }), ['a', '&&', 'b']);
    assert.deepEqual(argvOf(`'app {{ .ARGS | default "x" }}'`, { ARGS: '-v  *.log' }), ['app', '-v', '', '*.log']);
  });

  it('still runs what the author wrote as shell syntax under /bin/sh, and splits what they quoted like a shell', () => {
    assert.deepEqual(argvOf("'app --password {{ .PW }} && echo done'", { PW: 'a$b' }), ['/bin/sh', '-c', 'app --password a$b && echo done']);
    assert.deepEqual(argvOf(`'app "a b" {{ .PW }}'`, { PW: 'c' }), ['app', 'a b', 'c']);
    assert.deepEqual(argvOf('"app \\"a b\\" {{ .PW }}"', { PW: 'c' }), ['app', 'a b', 'c']);
  });

  it('reads YAML, which ContainerPilot never read, by the rendered string alone', () => {
    const config = loadConfigText('jobs:\n  - name: app\n    exec: "app {{ .PW }}"\n', 'app.yaml', { PW: 'a&&b' });
    assert.deepEqual(config.jobs[0]?.exec?.argv, ['/bin/sh', '-c', 'app a&&b']);
  });

  it('reach the app unchanged', async () => {
    assert.equal(await argsPrinted('--password {{ .PW }}', { PW: "p$HOME&'x" }), `["--password", "p$HOME&'x"]`);
  });
});

describe('an "&" inside a word of an exec string', () => {
  const warningsFor = (exec: string) => loadConfigText(`{ jobs: [{ name: "app", exec: ${JSON.stringify(exec)}, port: 80, health: { exec: ${JSON.stringify(exec)}, interval: "1s", ttl: "5s" } }] }`, 'app.json5', {}).warnings;

  it('is warned of, for the job and its check, without quoting the command (it may hold secrets)', () => {
    const warnings = warningsFor('curl -f http://app/health?a=1&b=2');
    assert.equal(warnings.length, 2);
    assert.match(warnings[0] as string, /^app\.json5:1:25: jobs\[0\]\.exec: runs under \/bin\/sh, where an "&" inside a word .* ContainerPilot passed that word whole: quote it, or give exec as an array$/);
    assert.match(warnings[1] as string, /^app\.json5:1:\d+: jobs\[0\]\.health\.exec: runs under \/bin\/sh/);
    assert.ok(warnings.every((warning) => !warning.includes('a=1')));
  });

  it('is not warned of when it is an operator standing apart, a redirection, or quoted', () => {
    for (const exec of ['a && b', 'a & b', 'a&&b', 'app >/dev/null 2>&1', "curl -f 'http://app/health?a=1&b=2'", 'app a=1 b=2']) assert.deepEqual(warningsFor(exec), [], exec);
  });
});
