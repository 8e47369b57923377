import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { renderTemplate, TemplateError } from '../../src/config/template.js';

const env = { NAME: 'Template', USER: 'pilot', PARTS: 'a:b:c', COUNT: '3', EMPTY: '', APP_CMD: 'python app.py', TOKEN: 'a=b==' };
const render = (text: string, vars: Record<string, string | undefined> = env): string => renderTemplate(text, vars);

/** Asserts that rendering fails with a TemplateError at line:column whose message matches. */
function assertFails(text: string, line: number, column: number, message: RegExp): void {
  assert.throws(
    () => render(text),
    (error: unknown) => {
      assert.ok(error instanceof TemplateError, `expected a TemplateError, got ${String(error)}`);
      assert.match(error.message, message);
      assert.deepEqual({ line: error.line, column: error.column }, { line, column }, error.message);
      return true;
    },
  );
}

describe('ContainerPilot compatibility (its own template_test.go cases)', () => {
  it('renders variables, and missing ones as empty strings', () => {
    assert.equal(render('Hello, {{.NAME}}!'), 'Hello, Template!');
    assert.equal(render('Hello, {{.NONAME}}!'), 'Hello, !');
  });

  it('loop counts up, down, from zero, and from numeric strings', () => {
    assert.equal(render('{{ loop 2 5 }}'), '[2 3 4]');
    assert.equal(render('{{ loop 10 1 }}'), '[10 9 8 7 6 5 4 3 2]');
    assert.equal(render('{{ loop 5 }}'), '[0 1 2 3 4]');
    assert.equal(render('{{ loop .COUNT }}'), '[0 1 2]');
    assert.equal(render('{{ loop 1 .COUNT }}'), '[1 2]');
    assert.equal(render('{{ loop 3 3 }}'), '[]');
    assert.equal(render('{{ range $i := loop 2 5 -}}i={{$i}},{{ end }}'), 'i=2,i=3,i=4,');
  });

  it('env reads a variable by a computed name', () => {
    assert.equal(render('Hello, {{ env (printf "NA%s" "ME") }}!'), 'Hello, Template!');
    assert.equal(render('[{{ env "NOPE" }}]'), '[]');
  });

  it('default stands in for missing and empty values, printing non-string defaults with %v', () => {
    assert.equal(render('Hello, {{.NONAME | default "World" }}!'), 'Hello, World!');
    assert.equal(render('{{ .EMPTY | default "World" }}'), 'World');
    assert.equal(render('{{ .NAME | default "World" }}'), 'Template');
    assert.equal(render('{{ .NONAME | default 100 }}'), '100');
    assert.equal(render('{{ .NONAME | default 10.1 }}'), '10.1');
    assert.equal(render('{{ default "x" .NAME }}'), 'Template');
    // Only a non-empty string counts as a value, as in ContainerPilot: an int from loop does not.
    assert.equal(render('{{ range loop 1 }}{{ . | default "d" }}{{ end }}'), 'd');
  });

  it('split, join, replaceAll and regexReplaceAll take the piped string last', () => {
    assert.equal(render('Hello, {{.PARTS | split ":" | join "." }}!'), 'Hello, a.b.c!');
    assert.equal(render('Hello, {{.NAME | replaceAll "e" "_" }}!'), 'Hello, T_mplat_!');
    assert.equal(render('Hello, {{.NAME | regexReplaceAll "[epa]+" "_" }}!'), 'Hello, T_m_l_t_!');
  });
});

describe('ContainerPilot functions in detail', () => {
  it('split trims the input and gives an empty list for blank input', () => {
    assert.equal(render('{{ split "," "  a,b  " | len }}'), '2');
    assert.equal(render('{{ split "," "   " | len }}'), '0');
    assert.equal(render('{{ split "" "héj" }}'), '[h é j]');
    assert.equal(render('{{ join "-" (split "," "") }}'), '');
  });

  it('replaceAll with an empty pattern inserts around every character', () => {
    assert.equal(render('{{ replaceAll "" "-" "ab" }}'), '-a-b-');
  });

  it('regexReplaceAll expands $n, ${n}, named groups and $$ like Go', () => {
    assert.equal(render('{{ regexReplaceAll "(\\\\w+)@(\\\\w+)" "$2 at ${1}" "me@host" }}'), 'host at me');
    assert.equal(render('{{ regexReplaceAll "(?P<user>\\\\w+)@" "${user}:" "me@host" }}'), 'me:host');
    // $1x names the group "1x", which does not exist.
    assert.equal(render('{{ regexReplaceAll "(a)" "$1x" "a" }}'), '');
    assert.equal(render('{{ regexReplaceAll "a" "$$" "aa" }}'), '$$');
    assert.equal(render('{{ regexReplaceAll "(?i)NAME" "n" "name Name" }}'), 'n n');
    assert.equal(render('{{ regexReplaceAll "[[:digit:]]+" "#" "a12b3" }}'), 'a#b#');
  });

  it('regexReplaceAll ignores an empty match right after a match, as Go does', () => {
    assert.equal(render('{{ regexReplaceAll "b*" "-" "abc" }}'), '-a-c-');
  });

  it('loop accepts exactly one or two ints or numeric strings', () => {
    assert.equal(render('{{ loop "-2" "1" }}'), '[-2 -1 0]');
    assertFails('{{ loop }}', 1, 4, /^error calling loop: loop: wrong number of arguments, expected 1 or 2, but got 0$/);
    assertFails('{{ loop .NOPE }}', 1, 4, /^error calling loop: strconv.Atoi: parsing "": invalid syntax$/);
    assertFails('{{ loop 2.5 }}', 1, 4, /interface conversion: interface \{\} is float64, not int/);
  });

  it('keeps values that contain "=" whole (ContainerPilot #573)', () => {
    assert.equal(render('{{ .TOKEN }}|{{ env "TOKEN" }}'), 'a=b==|a=b==');
  });

  it('treats undefined entries in the environment as missing', () => {
    assert.equal(render('[{{ .GONE | default "x" }}]', { GONE: undefined }), '[x]');
  });
});

describe('whole-config templates', () => {
  it('generates job objects with range over loop', () => {
    const config = `jobs: [
  {{ range $i := loop 0 3 }}{ name: "worker-{{ $i }}", exec: "w {{ $i }}" },{{ end }}
  { name: "app", exec: "{{ .APP_CMD | default "node server.js" }}" }
]`;
    assert.equal(
      render(config),
      `jobs: [
  { name: "worker-0", exec: "w 0" },{ name: "worker-1", exec: "w 1" },{ name: "worker-2", exec: "w 2" },
  { name: "app", exec: "python app.py" }
]`,
    );
    assert.match(render(config, {}), /exec: "node server.js"/);
  });

  it('generates watches from a list in a variable, with trim markers keeping the output tidy', () => {
    const config = `watches: [
  {{- range $i, $svc := split "," .BACKENDS }}
  { name: "{{ $svc }}", interval: {{ $i | printf "%d" | len }} },
  {{- end }}
]`;
    assert.equal(
      render(config, { BACKENDS: 'db,cache' }),
      `watches: [
  { name: "db", interval: 1 },
  { name: "cache", interval: 1 },
]`,
    );
  });

  it('nests ranges, reaching the outer index and the root through $', () => {
    const text = '{{ range $i := loop 2 }}{{ range $j := loop 2 }}{{ $.USER }}{{ $i }}{{ $j }} {{ end }}{{ end }}';
    assert.equal(render(text), 'pilot00 pilot01 pilot10 pilot11 ');
  });
});

describe('text/template syntax', () => {
  it('trim markers remove all adjacent whitespace, newlines included', () => {
    assert.equal(render('a  \n\t{{- .USER -}}  \n  b'), 'apilotb');
    assert.equal(render('a {{- .USER }} b'), 'apilot b');
    assert.equal(render('a {{ .USER -}} b'), 'a pilotb');
    // Without the space, the dash is a sign.
    assert.equal(render('{{-3}}'), '-3');
  });

  it('drops comments, which may span lines and take trim markers', () => {
    assert.equal(render('a{{/* one\ntwo */}}b'), 'ab');
    assert.equal(render('a\n{{- /* note */ -}}\nb'), 'ab');
  });

  it('prints literals', () => {
    assert.equal(render('{{ "tab\\there \\u00e9\\x41\\101" }}'), 'tab\there éAA');
    assert.equal(render('{{ `raw \\n {{ }}` }}'), 'raw \\n {{ }}');
    assert.equal(render("{{ 42 }} {{ -7 }} {{ 0x1F }} {{ 0o17 }} {{ 010 }} {{ 1_000 }} {{ 'a' }}"), '42 -7 31 15 8 1000 97');
    assert.equal(render('{{ 1.5 }} {{ 1.0 }} {{ 1e3 }} {{ 1e6 }} {{ 0.00001 }}'), '1.5 1 1000 1e+06 1e-05');
    assert.equal(render('{{ true }} {{ false }}'), 'true false');
  });

  it('passes the previous result as the last argument and evaluates parenthesized pipelines', () => {
    assert.equal(render('{{ "a" | printf "%s-%s" "b" }}'), 'b-a');
    assert.equal(render('{{ printf "%s/%s" (.USER | printf "~%s") .NAME }}'), '~pilot/Template');
    assert.equal(render('{{ (split ":" .PARTS) | len }}'), '3');
  });

  it('declares and reassigns variables, printing nothing for either', () => {
    assert.equal(render('{{ $x := "one" }}[{{ $x }}]{{ $x = "two" }}[{{ $x }}]'), '[one][two]');
    assert.equal(render('{{ $n := 0 }}{{ range loop 3 }}{{ $n = . }}{{ end }}{{ $n }}'), '2');
    assert.equal(render('{{ $ := 1 }}{{ $ }}'), '1');
  });

  it('passes nil to the functions that take any value, as Go 1.26 does', () => {
    assert.equal(render('{{ eq .N nil }} {{ eq nil nil }} {{ ne .N nil }} {{ not nil }} [{{ or nil .N }}] {{ and nil 1 }}'), 'false true true true [] <no value>');
    assertFails('{{ len nil }}', 1, 4, /^error calling len: reflect: call of reflect\.Value\.Type on zero Value$/);
  });

  it('accepts an assignment to an undeclared variable that never runs, as Go does', () => {
    assert.equal(render('{{ if false }}{{ $v = 1 }}{{ end }}ok'), 'ok');
    assert.equal(render('{{ if false }}{{ $v = 1 }}{{ $v }}{{ end }}ok'), 'ok', 'and the variable is in scope from there, as in Go');
  });

  it('scopes variables to the control structure that declares them', () => {
    assert.equal(render('{{ if $v := .USER }}{{ $v }}{{ end }}'), 'pilot');
    assertFails('{{ if true }}{{ $v := 1 }}{{ end }}{{ $v }}', 1, 39, /^undefined variable "\$v"$/);
  });

  it('chains if / else if / else', () => {
    const text = '{{ if eq .LEVEL "debug" }}D{{ else if eq .LEVEL "info" }}I{{ else if .LEVEL }}?{{ else }}none{{ end }}';
    assert.equal(render(text, { LEVEL: 'debug' }), 'D');
    assert.equal(render(text, { LEVEL: 'info' }), 'I');
    assert.equal(render(text, { LEVEL: 'warn' }), '?');
    assert.equal(render(text, {}), 'none');
  });

  it('with rebinds dot when the value is true, and has else and else with', () => {
    assert.equal(render('{{ with .USER }}<{{ . }}>{{ end }}'), '<pilot>');
    assert.equal(render('{{ with .NONE }}<{{ . }}>{{ else }}{{ .USER }}{{ end }}'), 'pilot');
    assert.equal(render('{{ with .NONE }}a{{ else with .NAME }}{{ . }}{{ end }}'), 'Template');
  });

  it('ranges with an else branch for empty lists', () => {
    assert.equal(render('{{ range split "," .NONE }}x{{ else }}empty{{ end }}'), 'empty');
    assert.equal(render('{{ range split "," "a,b" }}[{{ . }}]{{ else }}empty{{ end }}'), '[a][b]');
    assert.equal(render('{{ range $i, $v := split "," "a,b" }}{{ $i }}={{ $v }} {{ end }}'), '0=a 1=b ');
  });

  it('ranges over the environment in key order and over integers', () => {
    assert.equal(render('{{ range $k, $v := . }}{{ $k }}={{ $v }};{{ end }}', { B: '2', A: '1' }), 'A=1;B=2;');
    assert.equal(render('{{ range 3 }}{{ . }}{{ end }}'), '012');
  });

  it('supports break and continue', () => {
    assert.equal(render('{{ range loop 6 }}{{ if eq . 4 }}{{ break }}{{ end }}{{ if eq . 1 }}{{ continue }}{{ end }}{{ . }}{{ end }}'), '023');
  });

  it('uses Go truth: empty string, 0, false, nil and empty lists are false', () => {
    const truthy = (expr: string): string => render(`{{ if ${expr} }}T{{ else }}F{{ end }}`);
    assert.deepEqual(['""', '0', '0.0', 'false', '(split "," "")', '.MISSING'].map(truthy), ['F', 'F', 'F', 'F', 'F', 'F']);
    assert.deepEqual(['"0"', '1', '0.5', 'true', '(loop 1)', '.USER', '.'].map(truthy), ['T', 'T', 'T', 'T', 'T', 'T', 'T']);
  });

  it('reaches the root with $ and prints the whole map with .', () => {
    assert.equal(render('{{ $.A }} {{ . }}', { B: 'x=y', A: '1' }), '1 map[A:1 B:x=y]');
  });
});

describe('templates a config defines ({{define}}, {{template}}, {{block}}), as Go associates them', () => {
  it('runs a defined template with the pipeline as dot and as $, and nil without one', () => {
    assert.equal(render('{{ define "job" }}[{{ .NAME }}|{{ $.NAME }}]{{ end }}{{ template "job" . }}'), '[Template|Template]');
    assert.equal(render('{{ define "x" }}[{{ . }}]{{ end }}{{ template "x" }}'), '[<no value>]');
    assert.equal(render('{{ range $i := loop 3 }}{{ template "item" $i }}{{ end }}{{ define "item" }}{{ . }};{{ end }}'), '0;1;2;', 'defined after its use');
  });

  it('block defines its body and runs it in place', () => {
    assert.equal(render('<{{ block "user" .USER }}{{ . }}@host{{ end }}>'), '<pilot@host>');
  });

  it('generates whole jobs from one definition', () => {
    const text = `{{ define "worker" }}{ name: "worker-{{ . }}", exec: "work {{ . }}" }{{ end -}}
{ jobs: [ {{ range $i, $n := split ":" .PARTS }}{{ if $i }}, {{ end }}{{ template "worker" $n }}{{ end }} ] }`;
    assert.equal(render(text), '{ jobs: [ { name: "worker-a", exec: "work a" }, { name: "worker-b", exec: "work b" }, { name: "worker-c", exec: "work c" } ] }');
  });

  it('a second definition of a name is an error unless one of the two is only spaces', () => {
    assert.equal(render('{{ define "x" }}  {{ end }}{{ define "x" }}X{{ end }}{{ template "x" }}'), 'X');
    assert.equal(render('{{ define "x" }}X{{ end }}{{ define "x" }} {{ end }}{{ template "x" }}'), 'X');
    assertFails('{{ define "x" }}X{{ end }}{{ define "x" }}Y{{ end }}', 1, 27, /^template: multiple definition of template "x"$/);
  });

  it("a definition sees only $ and no enclosing range, is allowed only at the top level, and ends at {{end}}", () => {
    assertFails('{{ $v := 1 }}{{ define "x" }}{{ $v }}{{ end }}', 1, 33, /^undefined variable "\$v"$/);
    assertFails('{{ range loop 2 }}{{ define "x" }}{{ end }}{{ end }}', 1, 22, /^unexpected <define> in command$/);
    assertFails('{{ define "x" }}{{ break }}{{ end }}', 1, 20, /^\{\{break\}\} outside \{\{range\}\}$/);
    assertFails('{{ define "a" }}{{ else }}{{ end }}', 1, 17, /^unexpected \{\{else\}\} in define clause$/);
    assertFails('{{ block "b" }}x{{ end }}', 1, 14, /^missing value for block clause$/);
    assertFails('{{ template .NAME }}', 1, 13, /^unexpected ".NAME" in template clause$/);
  });

  it('Go\'s spaces make a definition empty (U+0085 does, U+FEFF does not), and tokens print as Go prints them', () => {
    assert.equal(render('{{ define "x" }}\u0085{{ end }}{{ define "x" }}y{{ end }}{{ template "x" }}'), 'y');
    assertFails('{{ define "x" }}\ufeff{{ end }}{{ define "x" }}y{{ end }}', 1, 27, /^template: multiple definition of template "x"$/);
    assertFails('{{ define "x" . }}{{ end }}', 1, 15, /^unexpected <\.> in define clause$/);
    assertFails('{{ define "x" "abcdefghijklm" }}{{ end }}', 1, 15, /^unexpected "\\"abcdefghi"\.\.\. in define clause$/);
    assertFails('{{ range loop 1 }}{{ break . }}{{ end }}', 1, 28, /^unexpected <\.> in \{\{break\}\}$/);
  });

  it('a template recursing from deep inside its control structures stops at a limit of the whole nesting, not the stack', () => {
    const withs = 30;
    const text = `{{ define "r" }}${'{{ with . }}'.repeat(withs)}{{ if . }}{{ template "r" (regexReplaceAll "^." "" .) }}{{ end }}${'{{ end }}'.repeat(withs)}{{ end }}{{ template "r" .X }}ok`;
    assert.throws(() => renderTemplate(text, { X: 'x'.repeat(95) }), (error: unknown) => {
      assert.ok(error instanceof TemplateError, String(error));
      assert.match(error.message, /^the template runs more than 1000 control structures and template calls one inside another, the limit$/);
      return true;
    });
  });

  it('a template call sees none of its caller\'s variables, however many there are, and gives them back', () => {
    const declared = Array.from({ length: 5000 }, (_, i) => `{{ $v${i} := ${i} }}`).join('');
    const text = `${declared}{{ range $i := loop 2000 }}{{ template "x" $i }}{{ end }}{{ $v4999 }}{{ define "x" }}{{ $x := . }}{{ end }}`;
    assert.equal(render(text), '4999');
  });

  it('a template that is not defined, or that recurses without end, fails when it runs, inside the template it was called from', () => {
    assertFails('{{ template "nope" 1 }}', 1, 13, /^template "nope" not defined$/);
    assert.throws(() => render('{{ define "a" }}{{ template "a" }}{{ end }}{{ template "a" }}'), (error: unknown) => {
      assert.ok(error instanceof TemplateError);
      assert.equal(error.message, 'exceeded maximum template depth (100)');
      assert.equal(error.templateName, 'a');
      assert.equal(error.context, '{{template "a"}}');
      return true;
    });
  });
});

describe("Go's builtin functions", () => {
  it('printf formats strings, numbers, quotes and hex', () => {
    assert.equal(render('{{ printf "%s|%5s|%-5s|%.2s|%q|%x|%X" "go" "go" "go" "golang" "a\\"b\\n" "hi" 255 }}'), 'go|   go|go   |go|"a\\"b\\n"|6869|FF');
    assert.equal(render('{{ printf "%d|%05d|%+d|%x|%#x|%o|%b|%c|%U" 42 -42 42 255 255 8 5 65 65 }}'), '42|-0042|+42|ff|0xff|10|101|A|U+0041');
    assert.equal(render('{{ printf "%f|%.2f|%8.3f|%e|%g|%v|%.3g" 3.14159 3.14159 3.14159 1234.5678 0.000012 1e21 3.14159 }}'), '3.141590|3.14|   3.142|1.234568e+03|1.2e-05|1e+21|3.14');
    assert.equal(render('{{ printf "%v|%t|%v|%T|%T" true false (loop 3) 1 (split "," "a") }}'), 'true|false|[0 1 2]|int|[]string');
    assert.equal(render('{{ printf "%q|%#v|%d%%" (split "," "a,b") (split "," "a,b") 5 }}'), '["a" "b"]|[]string{"a", "b"}|5%');
  });

  it('printf rounds half to even on the exact value, like Go', () => {
    assert.equal(render('{{ printf "%.0f %.0f %.1f %.2f" 2.5 3.5 0.25 1.005 }}'), '2 4 0.2 1.00');
  });

  it('printf reports bad verbs, missing and extra arguments inline, as Go does', () => {
    assert.equal(render('{{ printf "%d" "x" }}'), '%!d(string=x)');
    assert.equal(render('{{ printf "%s %s" "x" }}'), 'x %!s(MISSING)');
    assert.equal(render('{{ printf "%s" "x" 1 }}'), 'x%!(EXTRA int=1)');
  });

  it('print and println space their operands like fmt', () => {
    assert.equal(render('{{ print 1 2 "a" "b" 3 }}'), '1 2ab3');
    assert.equal(render('{{ println "a" 1 }}'), 'a 1\n');
  });

  it('len counts bytes of strings and items of lists and maps', () => {
    assert.equal(render('{{ len "héllo" }} {{ len (loop 4) }} {{ len . }}', { A: '', B: '' }), '6 4 2');
    assertFails('{{ len 3 }}', 1, 4, /^error calling len: len of type int$/);
  });

  it('index reads lists, the environment and string bytes', () => {
    assert.equal(render('{{ index (split ":" .PARTS) 1 }}|{{ index . "USER" }}|{{ index . "NOPE" }}|{{ index "A" 0 }}'), 'b|pilot||65');
    assertFails('{{ index (loop 2) 2 }}', 1, 4, /^error calling index: index out of range: 2$/);
  });

  it('compares with eq (several candidates), ne, lt, le, gt, ge', () => {
    assert.equal(render('{{ eq .COUNT "1" "3" }} {{ eq 1 2 }} {{ ne "a" "b" }} {{ eq true true }}'), 'true false true true');
    assert.equal(render('{{ lt 1 2 }} {{ le 2 2 }} {{ gt "b" "a" }} {{ ge 1.5 2.5 }}'), 'true true true false');
    assertFails('{{ eq 3 3.0 }}', 1, 4, /^error calling eq: incompatible types for comparison$/);
    assertFails('{{ lt true false }}', 1, 4, /^error calling lt: invalid type for comparison$/);
    assertFails('{{ eq 1 }}', 1, 4, /^error calling eq: missing argument for comparison$/);
  });

  it('and/or return an operand and short-circuit; not negates', () => {
    assert.equal(render('{{ and .USER .NAME }}|{{ and .USER .NONE "x" }}|{{ or .NONE .USER }}|{{ or .NONE "" }}|{{ not .NONE }}'), 'Template||pilot||true');
    // The failing call is never evaluated.
    assert.equal(render('{{ or .USER (loop "x") }}'), 'pilot');
    assert.equal(render('{{ and .NONE (loop "x") }}'), '');
  });

  it('escapes for HTML, JavaScript and URL queries', () => {
    assert.equal(render(`{{ html "<a href='x'>&\\"" }}`), '&lt;a href=&#39;x&#39;&gt;&amp;&#34;');
    assert.equal(render(`{{ js "a'b\\"c<=>&\\\\" }}`), "a\\'b\\\"c\\u003C\\u003D\\u003E\\u0026\\\\");
    assert.equal(render('{{ urlquery "a b&c=d/é~" }}'), 'a+b%26c%3Dd%2F%C3%A9~');
    assert.equal(render('{{ .USER | urlquery "x" }}'), 'xpilot');
  });
});

describe('errors', () => {
  it('names an unknown function at its position', () => {
    assertFails('{\n  exec: "{{ .CMD | defualt "x" }}"\n}', 2, 20, /^function "defualt" not defined$/);
  });

  it('reports an unclosed action, comment or string', () => {
    assertFails('ok\n  {{ .USER ', 2, 3, /^unclosed action$/);
    assertFails('{{/* never closed }}', 1, 1, /^unclosed comment$/);
    assertFails('{{ "abc }}', 1, 4, /^unterminated quoted string$/);
    assertFails('{{ (.USER }}', 1, 4, /^unclosed left paren$/);
    assertFails('{{ .USER) }}', 1, 9, /^unexpected right paren$/);
  });

  it('reports control structures that do not match', () => {
    assertFails('a\n{{ end }}', 2, 1, /^unexpected \{\{end\}\}$/);
    assertFails('{{ else }}', 1, 1, /^unexpected \{\{else\}\}$/);
    assertFails('x\n{{ range loop 3 }}\n{{ . }}', 2, 1, /^unexpected EOF: \{\{range\}\} has no matching \{\{end\}\}$/);
    assertFails('{{ if 1 }}{{ else }}{{ else }}{{ end }}', 1, 21, /^expected \{\{end\}\}; found \{\{else\}\}$/);
    assertFails('{{ break }}', 1, 4, /^\{\{break\}\} outside \{\{range\}\}$/);
    assertFails('{{ range 1 }}{{ else if 1 }}{{ end }}', 1, 14, /only allowed inside \{\{if\}\}/);
  });

  it('reports bad syntax inside actions', () => {
    assertFails('{{ }}', 1, 4, /^missing value for command$/);
    assertFails('{{ if }}{{ end }}', 1, 7, /^missing value for if$/);
    assertFails('{{ printf "%s",.USER }}', 1, 15, /^unexpected "," in operand$/);
    assertFails('{{ 3 | 4 }}', 1, 8, /^non executable command in pipeline stage 2$/);
    assertFails('{{ .USER-x }}', 1, 9, /^bad character U\+002D '-'$/);
    assertFails('{{ 12ab }}', 1, 4, /^bad number syntax: "12a"$/);
    assertFails('{{ "\\q" }}', 1, 4, /invalid escape \\q/);
    assertFails('{{ $x }}', 1, 4, /^undefined variable "\$x"$/);
    assertFails('{{ $a, $b := 1 }}', 1, 6, /^too many declarations in command$/);
  });

  it('reports wrong argument counts and types', () => {
    assertFails('{{ default "x" }}', 1, 4, /^wrong number of args for default: want 2 got 1$/);
    assertFails('{{ printf }}', 1, 4, /^wrong number of args for printf: want at least 1 got 0$/);
    assertFails('{{ split 1 "a" }}', 1, 10, /^expected string; found 1$/);
    assertFails('{{ join "," (loop 3) }}', 1, 13, /^wrong type for value; expected \[\]string; got \[\]int$/);
    assertFails('{{ 3 | env }}', 1, 8, /^wrong type for value; expected string; got int$/);
    assertFails('{{ .USER 1 }}', 1, 4, /^USER is not a method but has arguments$/);
    assertFails('{{ "x" 1 }}', 1, 4, /^can't give argument to non-function "x"$/);
    assertFails('{{ split nil "a" }}', 1, 10, /^cannot assign nil to string$/);
  });

  it('reports evaluation errors at the offending node', () => {
    assertFails('{{ .USER.Name }}', 1, 4, /^can't evaluate field Name in type string$/);
    assertFails('line\n{{ range "abc" }}{{ end }}', 2, 10, /^range can't iterate over abc$/);
    assertFails('{{ regexReplaceAll "(" "" "x" }}', 1, 4, /^error calling regexReplaceAll: error parsing regexp: /);
    assertFails('{{ nil }}', 1, 4, /^nil is not a command$/);
  });
});

describe('the values a template read', () => {
  it('are collected, whichever way they were read, and only those', () => {
    const read = new Set<string>();
    renderTemplate('{{ .USER }} {{ env "NAME" }} {{ index . "TOKEN" }} {{ .NONAME }}', env, read);
    assert.deepEqual([...read].sort(), ['Template', 'a=b==', 'pilot']);
  });

  it('include every value when the whole environment is printed or ranged over', () => {
    for (const text of ['{{ . }}', '{{ range $k, $v := . }}{{ end }}']) {
      const read = new Set<string>();
      renderTemplate(text, { A: 'one', B: 'two' }, read);
      assert.deepEqual([...read].sort(), ['one', 'two'], text);
    }
  });
});
