// Rendering is bounded (steps, work, text size, nesting) so that no template can hang or exhaust
// PID 1, regexReplaceAll is RE2 as in ContainerPilot, and every error names file, line and column;
// errors while executing read as Go's text/template words them.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '../../src/config/errors.js';
import { loadConfigText } from '../../src/config/load.js';
import { renderTemplate, TEMPLATE_LIMITS } from '../../src/config/template.js';

const FILE = 'app.json5';
// A hang detector, not a performance assertion: each case takes well under a second.
const HANG = { timeout: 20_000 };

function loadError(text: string, env: Record<string, string> = {}): string {
  try {
    loadConfigText(text, FILE, env);
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    assert.doesNotMatch(error.message, /\n\s+at /, 'no stack trace');
    return error.message;
  }
  return assert.fail('the config was accepted');
}

describe('template execution errors in Go’s words', () => {
  it('names file, line, byte column from 0, and the command being executed', () => {
    // The message Go 1.26's text/template gives for this text named "app.json5", bar index's own wording.
    const text = '{\n  "a": 1,\n  "x": "{{ index (split .LIST ",") 1 }}"\n}\n';
    assert.equal(loadError(text, { LIST: 'a' }), 'template: app.json5:3:11: executing "app.json5" at <index (split .LIST ",") 1>: error calling index: index out of range: 1');
  });

  it('inside a template the config defined, names it as the one executing, and a call of an undefined one at its name', () => {
    // Both exactly as Go 1.26's text/template words them (the file name aside).
    assert.equal(
      loadError('{{ define "a" }}{{ index .X 5 }}{{ end }}{{ template "a" . }}'),
      'template: app.json5:1:19: executing "a" at <index .X 5>: error calling index: index out of range: 5',
    );
    assert.equal(loadError('{{ template "nope" }}'), 'template: app.json5:1:12: executing "app.json5" at <{{template "nope"}}>: template "nope" not defined');
  });

  it('an assignment to a variable never declared fails only if it runs, at the value assigned', () => {
    // As Go 1.26's text/template: accepted when parsed, refused when executed.
    assert.equal(loadError('{{ $v = 1 }}ok'), 'template: app.json5:1:8: executing "app.json5" at <1>: undefined variable: $v');
    assert.equal(loadError('{{ if 1 }}{{ $x := 1 }}{{ end }}{{ $x = 2 }}'), 'template: app.json5:1:40: executing "app.json5" at <2>: undefined variable: $x');
    assert.equal(loadError('{{ $v = print .HOME }}', { HOME: '/root' }), 'template: app.json5:1:14: executing "app.json5" at <.HOME>: undefined variable: $v');
    assert.equal(loadError('{{ $v = (print 1) }}'), 'template: app.json5:1:15: executing "app.json5" at <1>: undefined variable: $v');
    assert.equal(loadError('{{ range $i, $e = split "," "a" }}{{ end }}'), 'template: app.json5:1:28: executing "app.json5" at <"a">: undefined variable: $i');
  });

  it('counts bytes for the column, and on the first line', () => {
    assert.equal(loadError('héllo {{ index (split  .LIST   ",") 1 }}', { LIST: 'a' }), 'template: app.json5:1:10: executing "app.json5" at <index (split .LIST ",") 1>: error calling index: index out of range: 1');
  });

  it('keeps parse errors in the file:line:column form', () => {
    assert.equal(loadError('{\n  x: "{{ nope }}" }'), 'app.json5:2:10: function "nope" not defined');
  });
});

describe('template limits', () => {
  it('stops a loop of 100 million before building it', HANG, () => {
    const message = loadError('{\n  jobs: [ {{ range $i := loop 0 100000000 }}{ name: "j{{ $i }}", exec: "true" },{{ end }} ] }');
    assert.equal(
      message,
      `template: app.json5:2:25: executing "app.json5" at <loop 0 100000000>: the template runs more than ${TEMPLATE_LIMITS.steps} steps (actions, commands and loop iterations), the limit`,
    );
  });

  it('stops a long range partway', HANG, () => {
    assert.match(loadError('{{ range $i := loop 0 200000 }}{{ $i }}{{ $i }}{{ end }}'), /^template: app\.json5:1:\d+: executing "app\.json5" at <[^>]+>: the template runs more than 250000 steps/);
  });

  it('stops a value that doubles in a loop', HANG, () => {
    assert.match(
      loadError('{{ $x := "ab" }}\n{{ range loop 0 40 }}{{ $x = printf "%s%s" $x $x }}{{ end }}'),
      /^template: app\.json5:2:29: executing "app\.json5" at <printf "%s%s" \$x \$x>: the template's functions process more than 16777216 characters, the limit$/,
    );
    assert.match(
      loadError('{{ $x := "ab" }}{{ range loop 0 40 }}{{ $x }}{{ $x = print $x $x }}{{ end }}'),
      /at <\$x>: the template builds a text of more than 4194304 characters \(4 MiB\), the limit$/,
    );
  });

  it('checks replaceAll and join before building what they would build', HANG, () => {
    const big = { BIG: 'x'.repeat(100_000) };
    assert.match(loadError('{{ replaceAll "" .BIG .BIG }}', big), /at <replaceAll "" \.BIG \.BIG>: the template builds a text of more than 4194304 characters/);
    assert.match(loadError('{{ join .BIG (split "" .BIG) }}', big), /at <join \.BIG \(split "" \.BIG\)>: the template builds a text of more than 4194304 characters/);
  });

  it('bounds the work of functions on large values', HANG, () => {
    const env = { BIG: 'ab'.repeat(1024 * 1024) };
    assert.match(loadError('{{ range loop 0 100 }}{{ $x := regexReplaceAll "(a|b)+c" "" $.BIG }}{{ end }}', env), /the template's functions process more than 16777216 characters, the limit$/);
  });

  it('limits nesting to 100 levels of parentheses or control structures, with the position of the first too deep', HANG, () => {
    const parens = (depth: number): string => `{{ ${'('.repeat(depth)}1${')'.repeat(depth)} }}`;
    assert.equal(renderTemplate(parens(100), {}), '1');
    assert.equal(loadError(parens(101)), 'app.json5:1:104: max expression depth exceeded: more than 100 nested control structures and parentheses');
    assert.match(loadError(parens(100_000)), /^app\.json5:1:104: max expression depth exceeded/);
    const ifs = (depth: number): string => `${'{{ if 1 }}'.repeat(depth)}x${'{{ end }}'.repeat(depth)}`;
    assert.equal(renderTemplate(ifs(100), {}), 'x');
    assert.equal(loadError(`\n${ifs(101)}`), 'app.json5:2:1001: max expression depth exceeded: more than 100 nested control structures and parentheses');
    assert.match(loadError(ifs(100_000)), /max expression depth exceeded/);
  });

  it('formats huge printf widths as Go does (%!(NOVERB)) instead of padding a gigabyte', HANG, () => {
    assert.equal(renderTemplate('{{ printf "%999999999d" 5 }}', {}), '%!(NOVERB)%!(EXTRA int=5)');
    assert.equal(renderTemplate('{{ printf "%.99999999f" 1.5 }}', {}), '%!(NOVERB)%!(EXTRA float64=1.5)');
    assert.equal(renderTemplate('{{ printf "%1000001d|" 5 | len }}', {}), '1000002');
  });
});

describe('regexReplaceAll is RE2, as in ContainerPilot', () => {
  it('matches in linear time where a backtracking engine takes seconds', HANG, () => {
    const input = `${'a'.repeat(28)}b`;
    assert.equal(renderTemplate(`{{ regexReplaceAll "^(a+)+$" "x" "${input}" }}`, {}), input);
    assert.equal(renderTemplate(`{{ regexReplaceAll "^(a+)+$" "x" "${'a'.repeat(5000)}" }}`, {}), 'x');
  });

  it('takes Go’s syntax and expands $1, ${1}, $name and $$ as Regexp.Expand does', () => {
    assert.equal(renderTemplate('{{ regexReplaceAll "(?P<first>\\\\w+) (\\\\w+)" "${2}-$first-$1x-$$" "hello world" }}', {}), 'world-hello--$');
    assert.equal(renderTemplate('{{ regexReplaceAll "[[:upper:]]+" "_" "abCDe" }}', {}), 'ab_e');
    assert.equal(renderTemplate('{{ regexReplaceAll "(?i)x\\\\z" "y" "aX\\nX" }}', {}), 'aX\ny');
    assert.equal(renderTemplate('{{ regexReplaceAll "a{,2}" "-" "a{,2}" }}', {}), '-');
  });

  it('refuses what RE2 refuses, with Go’s message', () => {
    assert.match(loadError('{{ regexReplaceAll "(a)\\\\1" "" "aa" }}'), /error calling regexReplaceAll: error parsing regexp: invalid escape sequence: `\\1`$/);
    assert.match(loadError('{{ regexReplaceAll "(?=a)" "" "aa" }}'), /error calling regexReplaceAll: error parsing regexp: invalid or unsupported Perl syntax: `\(\?=`$/);
  });
});
