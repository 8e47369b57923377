// The `pilotfish` command's verbs, run as a user runs them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runPilotfish, writeConfig, REPO_ROOT } from '../helpers/pilotfish.js';

const VALID = `{ jobs: [ { name: "app", exec: "echo hi" } ] }`;

async function cli(args: string[], env: NodeJS.ProcessEnv = {}, cwd?: string) {
  const run = runPilotfish({ args, env, cwd });
  const { code } = await run.exited;
  return { code, output: run.output() };
}

test('validate accepts a valid config and exits 0', async () => {
  const { file } = writeConfig(VALID);
  const { code, output } = await cli(['validate', '--config', file]);
  assert.equal(code, 0);
  assert.match(output, /valid \(1 job\(s\), 0 watch\(es\)\)/);
});

test('validate lists every error with file, line, column and path, and exits 2', async () => {
  const { file } = writeConfig(`{
  jobs: [
    { name: "app", exec: "echo hi", restart: "always" },
    { name: "other", exec: "echo again", health: { exec: "true", interval: "soon" } },
  ],
}`);
  const { code, output } = await cli(['validate', '--config', file]);
  assert.equal(code, 2);
  assert.match(output, new RegExp(`${file}:3:\\d+: jobs\\[0\\]\\.restart: .*did you mean .*restarts`));
  assert.match(output, new RegExp(`${file}:4:\\d+: jobs\\[1\\]\\.health\\.interval`));
});

test('validate reports rules across jobs once each job is well-formed', async () => {
  const { file } = writeConfig(`{ jobs: [ { name: "my-app", exec: "true" }, { name: "my_app", exec: "true", when: { source: "my_app", once: "exitSuccess" } } ] }`);
  const { code, output } = await cli(['validate', '--config', file]);
  assert.equal(code, 2);
  assert.match(output, /jobs\[1\]\.name: .*would both set CONTAINERPILOT_MY_APP_PID/);
  assert.match(output, /jobs\[1\]\.when\.source: the job waits for an event of its own/);
});

test('validate prints the warnings run would give, each with its file, line and column, and exits 0', async () => {
  const { file } = writeConfig(`{
  jobs: [
    { name: "web", exec: "true" },
    { name: "web", exec: "true" },
  ],
}`);
  const { code, output } = await cli(['validate', '--config', file]);
  assert.equal(code, 0, output);
  assert.match(output, new RegExp(`^warning: ${file}:4:\\d+: jobs\\[1\\]\\.name: .*${file}:3`, 'm'));
  assert.match(output, /valid \(2 job\(s\), 0 watch\(es\)\)/);
});

test('run with an invalid config exits 2 before starting anything', async () => {
  const marker = join(mkdtempSync(join(tmpdir(), 'pilotfish-cli-')), 'started');
  const { file } = writeConfig(`{ jobs: [ { name: "app", exec: "touch ${marker}" }, { name: "bad", exec: 42 } ] }`);
  const { code, output } = await cli(['run', '--config', file]);
  assert.equal(code, 2);
  assert.match(output, /jobs\[1\]\.exec/);
  assert.equal(existsSync(marker), false);
});

test('a missing config file is a clear error', async () => {
  const { code, output } = await cli(['validate', '--config', '/no/such/pilotfish.json5']);
  assert.equal(code, 2);
  assert.match(output, /\/no\/such\/pilotfish\.json5/);
  assert.match(output, /ENOENT|no such file|not found/i);
});

test('the config is found through $PILOTFISH_CONFIG, then $CONTAINERPILOT, then ./pilotfish.json5', async () => {
  const first = writeConfig(`{ jobs: [ { name: "a", exec: "true" }, { name: "b", exec: "true" } ] }`);
  const second = writeConfig(VALID);
  assert.match((await cli(['validate'], { PILOTFISH_CONFIG: first.file, CONTAINERPILOT: second.file })).output, /2 job/);
  assert.match((await cli(['validate'], { PILOTFISH_CONFIG: '', CONTAINERPILOT: second.file })).output, /1 job/);
  const local = writeConfig(`{ jobs: [] }`);
  assert.match((await cli(['validate'], { PILOTFISH_CONFIG: '', CONTAINERPILOT: '' }, local.dir)).output, /0 job/);
});

test("ContainerPilot's -config flag works, and no verb means run", async () => {
  const { file } = writeConfig(`{ jobs: [ { name: "app", exec: "echo ran-by-default" } ] }`);
  const { code, output } = await cli(['-config', file]);
  assert.equal(code, 0);
  assert.match(output, /\[app\] ran-by-default/);
});

test('schema prints a JSON Schema of the config', async () => {
  const { code, output } = await cli(['schema']);
  assert.equal(code, 0);
  const schema = JSON.parse(output) as { properties?: Record<string, unknown> };
  assert.ok(schema.properties?.jobs, 'jobs is described');
  assert.ok(schema.properties?.watches, 'watches is described');
});

test('version prints the package version', async () => {
  const manifest = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
  const { code, output } = await cli(['version']);
  assert.equal(code, 0);
  assert.equal(output.trim(), `pilotfish ${manifest.version}`);
});

test('template renders the config over the environment', async () => {
  const { file } = writeConfig(`{ jobs: [ { name: "app", exec: "{{ .APP_CMD | default "node app.js" }}" } ] }`);
  const { output } = await cli(['template', '--config', file], { APP_CMD: 'python app.py' });
  assert.match(output, /exec: "python app.py"/);
});

test('template --out into a missing directory is one line and exit 2', async () => {
  const { file } = writeConfig(VALID);
  const { code, output } = await cli(['template', '--config', file, '--out', '/no/such/dir/out.json5']);
  assert.equal(code, 2);
  assert.match(output, /^pilotfish template: cannot write --out \/no\/such\/dir\/out\.json5: ENOENT[^\n]*$/);
});

test('--help describes each verb', async () => {
  const { output } = await cli(['--help']);
  for (const verb of ['run', 'validate', 'template', 'schema', 'version']) assert.match(output, new RegExp(`pilotfish ${verb}`));
  const run = await cli(['run', '--help']);
  assert.match(run.output, /--config/);
  assert.match(run.output, /^pilotfish run \[options\] \[-- CMD \[ARGS\.\.\.\]\]$/m);
});

test('with no config anywhere, pilotfish says where it looked and how to name one', async () => {
  const empty = mkdtempSync(join(tmpdir(), 'pilotfish-cli-'));
  for (const args of [[], ['run'], ['validate'], ['template']]) {
    const { code, output } = await cli(args, { PILOTFISH_CONFIG: '', CONTAINERPILOT: '' }, empty);
    assert.equal(code, 2);
    assert.match(output, new RegExp(`^no config found: neither --config, \\$PILOTFISH_CONFIG nor \\$CONTAINERPILOT names one, and there is no \\./pilotfish\\.json5 in ${empty}$`, 'm'));
    assert.match(output, /--config FILE or PILOTFISH_CONFIG=FILE/);
    assert.doesNotMatch(output, /ENOENT/);
  }
});
