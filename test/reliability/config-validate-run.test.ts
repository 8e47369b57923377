// `validate` refuses what `run` could not do, and `run` refuses it the same way: exit 2, a message
// naming file, path and line, no stack trace, nothing started.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runPilotfish, writeConfig } from '../helpers/pilotfish.js';

/** Runs `pilotfish VERB --config FILE` and returns its exit code and output. */
async function pilotfish(verb: 'validate' | 'run', file: string): Promise<{ code: number | null; output: string }> {
  const run = runPilotfish({ args: [verb, '--config', file] });
  const { code } = await run.exited;
  return { code, output: run.output() };
}

/** A job that would leave a trace if it ever started. */
const MARKER_JOB = (dir: string): string => `{ name: "marker", exec: "touch ${join(dir, 'started')}" }`;

const CASES: { name: string; config: (dir: string) => string; message: (file: string) => RegExp }[] = [
  {
    name: 'a log output that is a directory',
    config: (dir) => `{\n  logging: {\n    output: "${dir}" },\n  jobs: [${MARKER_JOB(dir)}] }`,
    message: (file) => new RegExp(`^${file}:3:5: logging\\.output: .* is a directory; expected a file to append the log to$`),
  },
  {
    name: 'a log output in a directory that does not exist',
    config: (dir) => `{\n  logging: {\n    output: "${dir}/missing/pilotfish.log" },\n  jobs: [${MARKER_JOB(dir)}] }`,
    message: (file) => new RegExp(`^${file}:3:5: logging\\.output: cannot create .*/missing/pilotfish\\.log: ENOENT`),
  },
  {
    name: 'a probes address that is not an IP address',
    config: (dir) => `{\n  probes: { port: 0,\n    address: "not an address" },\n  jobs: [${MARKER_JOB(dir)}] }`,
    message: (file) => new RegExp(`^${file}:3:5: probes\\.address: expected an IP address such as "0\\.0\\.0\\.0", "127\\.0\\.0\\.1" or "::", got "not an address"$`),
  },
  {
    name: 'a control socket path longer than sun_path',
    config: (dir) => `{\n  control: {\n    socket: "/tmp/${'s'.repeat(120)}.sock" },\n  jobs: [${MARKER_JOB(dir)}] }`,
    message: (file) => new RegExp(`^${file}:3:5: control\\.socket: must be at most 107 bytes long \\(the limit of a unix socket path\\), got 130$`),
  },
  {
    name: 'a watch interval over the maximum duration',
    config: (dir) => `{\n  watches: [{ name: "db",\n    interval: "720h" }],\n  jobs: [${MARKER_JOB(dir)}] }`,
    message: (file) => new RegExp(`^${file}:3:5: watches\\[0\\]\\.interval: must be at most 480h \\(20 days\\), got 720h$`),
  },
  {
    name: 'job names that collide in CONTAINERPILOT_<NAME>_PID',
    config: (dir) => `{\n  jobs: [${MARKER_JOB(dir)},\n    { name: "a-b", exec: "true" },\n    { name: "a_b", exec: "true" }] }`,
    message: (file) => new RegExp(`^${file}:4:7: jobs\\[2\\]\\.name: "a_b" and "a-b" \\(jobs\\[1\\]\\) would both set CONTAINERPILOT_A_B_PID; rename one$`),
  },
  {
    name: 'a duplicate JSON5 key',
    config: (dir) => `{\n  jobs: [${MARKER_JOB(dir)}],\n  stopTimeout: "5s",\n  stopTimeout: "10s" }`,
    message: (file) => new RegExp(`^${file}:4:3: duplicate key "stopTimeout", already set on line 3$`),
  },
  {
    name: 'an exec argument over MAX_ARG_STRLEN',
    config: (dir) => `{\n  jobs: [${MARKER_JOB(dir)},\n    { name: "big", exec: ["echo", "${'x'.repeat(140_000)}"] }] }`,
    message: (file) => new RegExp(`^${file}:3:20: jobs\\[1\\]\\.exec: an argument is 140001 bytes, over the kernel's limit of 131072 per argument$`),
  },
];

describe('validate refuses what run cannot do, and run refuses it the same way', () => {
  for (const { name, config, message } of CASES) {
    it(name, async () => {
      const { dir, file: configFile } = writeConfig('');
      writeFileSync(configFile, config(dir));
      for (const verb of ['validate', 'run'] as const) {
        const { code, output } = await pilotfish(verb, configFile);
        assert.equal(code, 2, `${verb}:\n${output}`);
        const lines = output.split('\n');
        assert.equal(lines[0], 'invalid config:', `${verb}:\n${output}`);
        assert.match(lines[1] ?? '', message(configFile.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')), `${verb}:\n${output}`);
        assert.doesNotMatch(output, /^\s+at /m, 'no stack trace');
      }
      assert.equal(existsSync(join(dir, 'started')), false, 'nothing started');
    });
  }

  it('starts the marker job when the config is valid, so "nothing started" above means something', async () => {
    const { dir, file } = writeConfig('');
    writeFileSync(file, `{ jobs: [${MARKER_JOB(dir)}] }`);
    assert.equal((await pilotfish('run', file)).code, 0);
    assert.equal(existsSync(join(dir, 'started')), true);
  });

  it('template refuses special files and reports execution errors in Go’s words, exit 2', async () => {
    const { dir, file } = writeConfig('{\n  x: "{{ index (split .LIST ",") 1 }}" }');
    const rendered = runPilotfish({ args: ['template', '--config', file], env: { LIST: 'a' } });
    assert.equal((await rendered.exited).code, 2, rendered.output());
    assert.equal(rendered.lines[1], `template: ${file}:2:9: executing "${file}" at <index (split .LIST ",") 1>: error calling index: index out of range: 1`);
    const fifo = join(dir, 'fifo.json5');
    execFileSync('mkfifo', [fifo]);
    const special = runPilotfish({ args: ['template', '--config', fifo] });
    assert.equal((await special.exited).code, 2, special.output());
    assert.equal(special.lines[1], `${fifo}: cannot read the config file: it is a FIFO, not a regular file`);
  });

  it('refuses duplicate YAML keys at their line, in one line', async () => {
    const configFile = writeConfig('jobs:\n  - name: a\n    exec: "true"\n    name: b\n', 'pilotfish.yaml').file;
    const { code, output } = await pilotfish('validate', configFile);
    assert.equal(code, 2, output);
    assert.equal(output.split('\n')[1], `${configFile}:4:5: jobs[0]: duplicate key "name", already set on line 2`);
  });
});
