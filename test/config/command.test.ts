import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CommandError, parseCommand } from '../../src/config/command.js';

const shell = (text: string) => ({ argv: ['/bin/sh', '-c', text], display: text });

describe('parseCommand', () => {
  it('takes an array as the argv it is', () => {
    assert.deepEqual(parseCommand(['/bin/app', '--name', 'a b']), { argv: ['/bin/app', '--name', 'a b'], display: "/bin/app --name 'a b'" });
  });

  it('splits a plain string on single spaces, as ContainerPilot does: empty template values stay empty arguments', () => {
    assert.deepEqual(parseCommand('/bin/app -v run'), { argv: ['/bin/app', '-v', 'run'], display: '/bin/app -v run' });
    // `nodetool -u {{ .U }} -pw {{ .P }} status` with U and P unset.
    assert.deepEqual(parseCommand('nodetool -u  -pw  status').argv, ['nodetool', '-u', '', '-pw', '', 'status']);
    assert.deepEqual(parseCommand('/bin/app  -v   run').argv, ['/bin/app', '', '-v', '', '', 'run']);
    // strings.TrimSpace first (Go's white space, U+0085 included), then only " " separates.
    assert.deepEqual(parseCommand(' \t\u0085/bin/app -v \t').argv, ['/bin/app', '-v']);
    assert.deepEqual(parseCommand('/bin/app\t-v').argv, ['/bin/app\t-v']);
  });

  it('keeps quoted arguments together (ContainerPilot split "HOST: x" in two)', () => {
    const text = `curl --fail --header "HOST: example.com" 'http://localhost/a b'`;
    assert.deepEqual(parseCommand(text).argv, ['curl', '--fail', '--header', 'HOST: example.com', 'http://localhost/a b']);
  });

  it('honours backslash escapes', () => {
    assert.deepEqual(parseCommand('ls my\\ file "say \\"hi\\""').argv, ['ls', 'my file', 'say "hi"']);
    assert.deepEqual(parseCommand("echo '$HOME' \\$HOME").argv, ['echo', '$HOME', '$HOME']);
  });

  it('runs operators and redirections through /bin/sh', () => {
    for (const text of ['a && b', 'a || b', 'a; b', 'a | b', 'a & b', 'app > /tmp/log', 'app < in', 'app 2>&1', '(a)']) {
      assert.deepEqual(parseCommand(text), shell(text), text);
    }
  });

  it('runs expansions through /bin/sh', () => {
    for (const text of ['echo $HOME', 'echo "${HOME}/x"', 'echo $(date)', 'echo `date`', 'ls *.log', 'ls a?c', 'ls [ab].txt', 'cat ~/x']) {
      assert.deepEqual(parseCommand(text), shell(text), text);
    }
  });

  it('runs comments, multi-line scripts, variable assignments and builtins through /bin/sh', () => {
    for (const text of ['app # note', 'echo a\necho b', 'FOO=bar app', 'exec app', 'cd /srv']) {
      assert.deepEqual(parseCommand(text), shell(text), JSON.stringify(text));
    }
  });

  it('does not mistake quoted operators for shell syntax', () => {
    assert.deepEqual(parseCommand('echo "a && b" \'|\'').argv, ['echo', 'a && b', '|']);
  });

  it('rejects empty commands and unclosed quotes', () => {
    assert.throws(() => parseCommand([]), new CommandError('a command array must not be empty'));
    assert.throws(() => parseCommand('   '), new CommandError('a command must not be empty'));
    assert.throws(() => parseCommand('echo "oops'), new CommandError('unclosed quote in "echo \\"oops"'));
    assert.throws(() => parseCommand("echo 'it\\'s'"), CommandError);
  });

  it('ignores quotes inside a comment', () => {
    assert.deepEqual(parseCommand("app # don't"), shell("app # don't"));
  });
});
