// Environment and arguments the kernel would refuse are refused up front: a NUL byte in a value made
// every later spawn fail with 127, a name with "=" set a different variable, a value over
// MAX_ARG_STRLEN made spawn fail with E2BIG. Answers name the variable, never its value.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ConfigError } from '../../src/config/errors.js';
import { MAX_ARG_STRLEN, MAX_ENV_SET_BYTES } from '../../src/config/exec-limits.js';
import { loadConfigText } from '../../src/config/load.js';
import { startSupervisor, type RunningSupervisor } from '../helpers/control.js';
import { waitFor } from '../helpers/wait.js';

const FILE = 'app.json5';

function messageOf(text: string): string {
  try {
    loadConfigText(text, FILE, {});
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return error.message;
  }
  return assert.fail(`accepted:\n${text}`);
}

/** A job whose line 2 holds `line`. */
const job = (line: string): string => `{ jobs: [{ name: "app",\n  ${line} }] }`;

describe('config env and exec within what execve accepts', () => {
  it('refuses NUL bytes in env values, without echoing the value', () => {
    const message = messageOf(job('exec: "true", env: { TOKEN: "s3cret\\u0000tail" }'));
    assert.equal(message, `${FILE}:2:24: jobs[0].env.TOKEN: the value of TOKEN must not contain a NUL byte`);
  });

  it('refuses names with "=", NUL or nothing', () => {
    assert.equal(messageOf(job('exec: "true", env: { "A=B": "x" }')), `${FILE}:2:24: jobs[0].env["A=B"]: a variable name must not contain "="`);
    assert.match(messageOf(job('exec: "true", env: { "A\\u0000": "x" }')), /: a variable name must not contain a NUL byte$/);
    assert.match(messageOf(job('exec: "true", env: { "": "x" }')), /: a variable name must not be empty$/);
  });

  it('refuses an env entry or an argument over MAX_ARG_STRLEN, and one just under it', () => {
    const value = 'v'.repeat(MAX_ARG_STRLEN - 'BIG='.length - 1);
    assert.doesNotThrow(() => loadConfigText(job(`exec: "true", env: { BIG: "${value}" }`), FILE, {}));
    assert.match(messageOf(job(`exec: "true", env: { BIG: "${value}x" }`)), /jobs\[0\]\.env\.BIG: BIG=… is 131073 bytes, over the kernel's limit of 131072 per variable$/);
    assert.doesNotMatch(messageOf(job(`exec: "true", env: { BIG: "${value}x" }`)), /vvv/);
    const argument = 'a'.repeat(MAX_ARG_STRLEN);
    assert.match(messageOf(job(`exec: ["echo", "${argument}"]`)), /jobs\[0\]\.exec: an argument is 131073 bytes, over the kernel's limit of 131072 per argument$/);
    assert.match(messageOf(job(`exec: "true", health: { interval: 1, exec: ["echo", "${argument}"] }`)), /jobs\[0\]\.health\.exec: an argument is/);
    assert.match(messageOf(job('exec: ["echo", "a\\u0000b"]')), /jobs\[0\]\.exec: an argument must not contain a NUL byte$/);
  });

  it('refuses a command and env that together exceed ARG_MAX', () => {
    const variables = Array.from({ length: 20 }, (_, i) => `V${i}: "${'x'.repeat(120_000)}"`).join(', ');
    assert.match(
      messageOf(job(`exec: "true", env: { ${variables} }`)),
      /^app\.json5:2:3: jobs\[0\]\.exec: with the job's `env` it takes \d+ bytes, over the kernel's limit of 2097152 for arguments and environment together$/,
    );
  });
});

describe('/v1/env and /v3/environ', () => {
  let pilotfish: RunningSupervisor;
  before(async () => {
    pilotfish = await startSupervisor('{ jobs: [{ name: "app", exec: "sleep 60" }] }');
  });
  after(() => pilotfish.stop());

  for (const path of ['/v1/env', '/v3/environ']) {
    it(`${path} refuses NUL bytes and "=" in names, and NUL bytes in values, never echoing a value`, async () => {
      const cases: [object, RegExp][] = [
        [{ TOKEN: 's3cret\u0000x' }, /^the value of TOKEN must not contain a NUL byte$/],
        [{ 'A=B': 'x' }, /^"A=B" is not a valid variable name: a variable name must not contain "="$/],
        [{ 'A\u0000': 'x' }, /is not a valid variable name: a variable name must not contain a NUL byte$/],
        [{ TOKEN: { secret: 's3cret' } }, /^the value of TOKEN must be a string, got an object$/],
      ];
      for (const [body, message] of cases) {
        const response = await pilotfish.call('POST', path, body);
        assert.ok(response.status === 400 || response.status === 422, `${path} ${JSON.stringify(body)}: ${response.status} ${response.body}`);
        const error = (response.json as { error?: string } | undefined)?.error ?? response.body;
        assert.match(error, message);
        assert.doesNotMatch(response.body, /s3cret/);
      }
    });
  }

  it('still sets what execve accepts', async () => {
    const response = await pilotfish.call('POST', '/v1/env', { GOOD: 'value with = and spaces' });
    assert.equal(response.status, 200);
  });
});

describe('what /v1/env and /v3/environ set, all together', () => {
  let pilotfish: RunningSupervisor;
  before(async () => {
    pilotfish = await startSupervisor('{ jobs: [{ name: "tick", exec: "echo ticked", when: { interval: "200ms" } }] }');
  });
  after(() => pilotfish.stop());

  it(`is refused past ${MAX_ENV_SET_BYTES} bytes, where the kernel would refuse every spawn (E2BIG): jobs keep starting`, async () => {
    const value = 'v'.repeat(60_000);
    const answers: number[] = [];
    for (let index = 0; index < 40; index++) {
      answers.push((await pilotfish.call('POST', index % 2 === 0 ? '/v1/env' : '/v3/environ', { [`V${index}`]: value })).status);
    }
    const refusedFrom = answers.findIndex((status) => status !== 200);
    assert.equal(refusedFrom, Math.floor(MAX_ENV_SET_BYTES / (value.length + 'V10='.length + 9)), answers.join(' '));
    assert.ok(answers.slice(refusedFrom).every((status) => status === 400 || status === 422), answers.join(' '));
    const refused = await pilotfish.call('POST', '/v1/env', { MORE: value });
    assert.match((refused.json as { error: string }).error, new RegExp(`^the variables set would take \\d+ bytes, over the limit of ${MAX_ENV_SET_BYTES} for all of them`));
    // Replacing a variable takes no more room; and the periodic job still starts.
    assert.equal((await pilotfish.call('POST', '/v1/env', { V0: 'short' })).status, 200);
    const ticks = () => pilotfish.lines.filter((line) => /\[tick\] ticked/.test(line)).length;
    const before = ticks();
    await waitFor(() => ticks() >= before + 2, 'two more runs of tick');
    assert.doesNotMatch(pilotfish.output(), /E2BIG|could not start/);
  });
});
