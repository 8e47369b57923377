// Issue 10 (medium) and issue 13 ("log lines that ship well"), through a real pilotfish: a job name
// or output with newlines and terminal escapes cannot forge log lines in any format; app JSON stays
// parseable, and `text` and `json` are the lines ContainerPilot's logrus wrote.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runConfig } from '../helpers/pilotfish.js';

const FORGED_NAME = 'web\n2026-01-01T00:00:00.000Z ERROR [db] forged line';
// printf: a colour escape, a C1 CSI (U+009B in UTF-8), a JSON object line, then a line the job ends with.
const PRINT = String.raw`printf '\033[31mred\033[0m \302\233 bell\007\n{"level":"warn","msg":"slow","ms":1200}\nlast\n'`;

async function runOnce(format: 'default' | 'text' | 'json'): Promise<string[]> {
  const run = runConfig(JSON.stringify({ logging: { format }, jobs: [{ name: FORGED_NAME, exec: ['sh', '-c', PRINT] }] }));
  await run.waitForLine(/exited with code 0/);
  run.signal('SIGTERM');
  await run.exited;
  return run.lines;
}

test('default format: one log line per record, each starting with a timestamp and a level; escapes shown, not sent', async () => {
  const lines = await runOnce('default');
  for (const line of lines) assert.match(line, /^\d{4}-\d\d-\d\dT[\d:.]+Z (DEBUG|INFO |WARN |ERROR) /, line);
  const text = lines.join('\n');
  assert.doesNotMatch(text, /[\x00-\x08\x0b-\x1f\x7f-\x9f]/);
  assert.doesNotMatch(text, /^2026-01-01T00:00:00.000Z ERROR/m);
  assert.match(text, /INFO  pid=\d+ \[web\\n2026-01-01T00:00:00\.000Z ERROR \[db\] forged line\] \\x1b\[31mred\\x1b\[0m \\x9b bell\\x07$/m);
  // The pid is in the prefix: the app's JSON line ends the log line, whole.
  assert.match(text, /\] \{"level":"warn","msg":"slow","ms":1200\}$/m);
});

test('text format (logfmt): one record a line, time, level and msg first, the job and its pid as fields; escapes shown, not sent', async () => {
  const lines = await runOnce('text');
  for (const line of lines) assert.match(line, /^time="\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ" level=(debug|info|warning|error) msg=/, line);
  const text = lines.join('\n');
  assert.doesNotMatch(text, /[\x00-\x08\x0b-\x1f\x7f-\x9f]/);
  const job = String.raw`job="web\n2026-01-01T00:00:00.000Z ERROR [db] forged line"`;
  assert.match(text, new RegExp(String.raw`level=info msg="\\u001b\[31mred\\u001b\[0m \\u009b bell\\u0007" ${escapeRegExp(job)} pid=\d+$`, 'm'));
  assert.match(text, new RegExp(String.raw`level=info msg="\{\\"level\\":\\"warn\\",\\"msg\\":\\"slow\\",\\"ms\\":1200\}" ${escapeRegExp(job)} pid=\d+$`, 'm'));
  assert.match(text, new RegExp(String.raw`level=info msg=last ${escapeRegExp(job)} pid=\d+$`, 'm'));
});

test('json format: every line is one JSON object; the app JSON line is the string under `msg`', async () => {
  const lines = await runOnce('json');
  for (const line of lines) assert.doesNotMatch(line, /[\x00-\x1f\x7f-\x9f\u2028\u2029]/, line);
  const records = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  const output = records.filter((record) => record.job === FORGED_NAME && typeof record.pid === 'number' && record.level === 'info');
  assert.deepEqual(
    output.map((record) => record.msg),
    ['started: printf (shell command)', '\x1b[31mred\x1b[0m \x9b bell\x07', '{"level":"warn","msg":"slow","ms":1200}', 'last', 'exited with code 0'],
  );
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
