import { test } from 'node:test';
import assert from 'node:assert/strict';
import { escapeControls, jsonLine, textLines } from '../../src/logging/format.js';

const TIME = '2026-01-01T00:00:00.000Z';

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

test('json: one object per record, whatever the message holds', () => {
  const text = jsonLine(TIME, 'error', 'first\nsecond \x1b[0m \u2028', { job: 'we\nb', pid: 7 });
  assert.equal(text.split('\n').length, 2);
  assert.deepEqual(JSON.parse(text), { time: TIME, level: 'error', msg: 'first\nsecond \x1b[0m \u2028', job: 'we\nb', pid: 7 });
});

test("json: an app's JSON object line stays an object, under `json`; anything else is `msg`", () => {
  const app = jsonLine(TIME, 'info', '{"level":"warn","msg":"slow","ms":1200}', { job: 'web', pid: 7 });
  assert.deepEqual(JSON.parse(app), { time: TIME, level: 'info', json: { level: 'warn', msg: 'slow', ms: 1200 }, job: 'web', pid: 7 });
  for (const message of ['[1,2]', '{not json}', '"a string"', '{"unterminated": ']) {
    assert.equal(JSON.parse(jsonLine(TIME, 'info', message, {})).msg, message);
  }
});
