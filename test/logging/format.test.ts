import { test } from 'node:test';
import assert from 'node:assert/strict';
import { escapeControls, jsonLine, logfmtLine, textLines } from '../../src/logging/format.js';

const TIME = '2026-01-01T00:00:00.000Z';
/** logfmt's time, to the second as logrus wrote it. */
const SECONDS = '2026-01-01T00:00:00Z';

test('text: the pid and the stream are in the prefix, before [job], so an app line stays intact at the end', () => {
  const app = '{"level":"info","msg":"listening"}';
  assert.equal(textLines(TIME, 'info', app, { job: 'web', pid: 42 }), `${TIME} INFO  pid=42 [web] ${app}\n`);
  assert.equal(textLines(TIME, 'info', 'oops', { job: 'web', pid: 42, stream: 'stderr' }), `${TIME} INFO  pid=42 stderr [web] oops\n`);
  assert.equal(textLines(TIME, 'warn', 'plain', { code: 3 }), `${TIME} WARN  plain code=3\n`);
});

test('text: every line of a multi-line record carries the whole prefix', () => {
  const text = textLines(TIME, 'debug', 'health check failed: HTTP 500\nline two\r\nline three', { job: 'web', status: 'bad' });
  assert.deepEqual(text.split('\n').slice(0, -1), [
    `${TIME} DEBUG [web] health check failed: HTTP 500 status=bad`,
    `${TIME} DEBUG [web] line two`,
    `${TIME} DEBUG [web] line three`,
  ]);
});

test('text: control characters in a job name, a message or a value are escaped, never written (log forging)', () => {
  const forged = `web\n${TIME} ERROR [db] forged`;
  const text = textLines(TIME, 'info', 'colour \x1b[31mred\x1b[0m, bell \x07, CSI \x9b, carriage\rreturn', { job: forged, detail: 'a\u2028b\x1b' });
  assert.equal(text.split('\n').length, 2, text);
  assert.doesNotMatch(text, /[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]/);
  assert.equal(
    text,
    `${TIME} INFO  [web\\n${TIME} ERROR [db] forged] colour \\x1b[31mred\\x1b[0m, bell \\x07, CSI \\x9b, carriage\\rreturn detail="a\\u2028b\\u001b"\n`,
  );
  assert.equal(escapeControls('tab\tstays'), 'tab\tstays');
});

test('json: one object per record, whatever the message holds, with logrus\' level names', () => {
  const text = jsonLine(TIME, 'error', 'first\nsecond \x1b[0m \u2028', { job: 'we\nb', pid: 7 });
  assert.equal(text.split('\n').length, 2);
  assert.deepEqual(JSON.parse(text), { time: TIME, level: 'error', msg: 'first\nsecond \x1b[0m \u2028', job: 'we\nb', pid: 7 });
  assert.doesNotMatch(text.slice(0, -1), /[\x00-\x1f\x7f-\x9f\u2028\u2029]/, 'C0, DEL, C1 and the line separators written as \\u escapes');
  assert.equal(JSON.parse(jsonLine(TIME, 'info', 'del \x7f nel \x85 csi \x9b', {})).msg, 'del \x7f nel \x85 csi \x9b');
  assert.equal(JSON.parse(jsonLine(TIME, 'warn', 'slow', {})).level, 'warning');
});

test("json: an app's own JSON line is the string under `msg`, as ContainerPilot wrote it", () => {
  const app = '{"level":"warn","msg":"slow","ms":1200}';
  assert.equal(jsonLine(TIME, 'info', app, { job: 'web', pid: 7 }), `{"time":"${TIME}","level":"info","msg":${JSON.stringify(app)},"job":"web","pid":7}\n`);
});

test('json and logfmt: a field named like a record key is renamed fields.NAME, as logrus does', () => {
  assert.deepEqual(JSON.parse(jsonLine(TIME, 'info', 'm', { msg: 'x', level: 3 })), { time: TIME, level: 'info', msg: 'm', 'fields.level': 3, 'fields.msg': 'x' });
  assert.equal(logfmtLine(TIME, 'info', 'm', { time: 'x' }), `time="${SECONDS}" level=info msg=m fields.time=x\n`);
});

test("logfmt (`text`): time to the second, level, msg (none for an empty line), then the fields by name, as logrus' TextFormatter wrote ContainerPilot's", () => {
  assert.equal(
    logfmtLine(TIME, 'info', 'hello world', { pid: 42, job: 'web', stream: 'stderr' }),
    `time="${SECONDS}" level=info msg="hello world" job=web pid=42 stream=stderr\n`,
  );
  assert.equal(logfmtLine(TIME, 'warn', 'restarting', { job: 'db.primary-1', code: 3, ok: false }), `time="${SECONDS}" level=warning msg=restarting code=3 job=db.primary-1 ok=false\n`);
  assert.equal(logfmtLine(TIME, 'debug', '', { path: '/v3/status', who: 'a@b+c^d' }), `time="${SECONDS}" level=debug path=/v3/status who=a@b+c^d\n`);
});

test('logfmt: a value with quotes, an equals sign or a newline is quoted and escaped, and the record stays one line', () => {
  const app = '{"level":"warn","msg":"slow"}';
  assert.equal(logfmtLine(TIME, 'info', app, {}), `time="${SECONDS}" level=info msg="{\\"level\\":\\"warn\\",\\"msg\\":\\"slow\\"}"\n`);
  const forged = `web\ntime="${TIME}" level=error msg=forged \x1b[31m \x9b \u2028`;
  const text = logfmtLine(TIME, 'error', 'first\r\nsecond', { job: forged, 'we ird\n': 'a=b' });
  assert.equal(text.split('\n').length, 2, text);
  assert.doesNotMatch(text, /[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]/);
  assert.equal(
    text,
    `time="${SECONDS}" level=error msg="first\\r\\nsecond" job="web\\ntime=\\"${TIME}\\" level=error msg=forged \\u001b[31m \\u009b \\u2028" we ird\\n="a=b"\n`,
  );
});
