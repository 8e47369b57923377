// Mistakes on the command line, and the conventions people expect of a command: one line naming the
// problem and the help to read, exit 2; --version; `help VERB`; shell completion. The first rows
// of MISTAKES are shapes the fast path (fast-path.ts) recognises by verb, so it must hand them on
// to the same explanation rather than run or fail on its own.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, runPilotfish } from '../helpers/pilotfish.js';

async function cli(args: string[]) {
  const run = runPilotfish({ args });
  const { code } = await run.exited;
  return { code, output: run.output() };
}

const MISTAKES: Array<[args: string[], line: RegExp]> = [
  [['--bogus'], /^pilotfish: unknown option --bogus \(see 'pilotfish --help'\)$/],
  [['run', '--bogus'], /^pilotfish run: unknown option --bogus \(see 'pilotfish run --help'\)$/],
  [['run', 'extra'], /^pilotfish run: unknown argument "extra"; to supervise a program, put it after --: pilotfish run -- extra \(see 'pilotfish run --help'\)$/],
  // What `ENTRYPOINT ["pilotfish"]` with the app as CMD runs, and a config given as an argument.
  [['node', 'server.js'], /^pilotfish: unknown command "node"; to supervise a program, put it after --: pilotfish -- node server.js \(see 'pilotfish --help'\)$/],
  [['run', '-c', 'app.json5', 'sh', '-c', "echo it's"], /^pilotfish run: unknown argument "sh"; to supervise a program, put it after --: pilotfish run -c app.json5 -- sh -c 'echo it'\\''s' \(see 'pilotfish run --help'\)$/],
  [['validate', 'app.yaml'], /^pilotfish validate: unknown argument "app.yaml"; did you mean pilotfish validate --config app.yaml\? \(see 'pilotfish validate --help'\)$/],
  [['stauts'], /^pilotfish: unknown command "stauts"; did you mean "status"\? \(see 'pilotfish --help'\)$/],
  [['run', '--config'], /^pilotfish run: option --config needs a value \(see 'pilotfish run --help'\)$/],
  [['stop'], /^pilotfish stop: missing arguments, expected pilotfish stop <jobs\.\.> \(see 'pilotfish stop --help'\)$/],
  [['signal', 'web'], /^pilotfish signal: missing arguments, expected pilotfish signal <job> <signal> \(see 'pilotfish signal --help'\)$/],
  [['maintenance', 'foo'], /^pilotfish maintenance: mode must be one of on, off, enable, disable, not "foo" \(see 'pilotfish maintenance --help'\)$/],
  [['status', '--socket'], /^pilotfish status: option --socket needs a value \(see 'pilotfish status --help'\)$/],
  [['ping', 'extra'], /^pilotfish ping: unknown argument "extra" \(see 'pilotfish ping --help'\)$/],
  [['frobnicate'], /^pilotfish: unknown command "frobnicate"; to supervise a program, put it after --: pilotfish -- frobnicate \(see 'pilotfish --help'\)$/],
  [['env'], /^pilotfish env: needs a subcommand: set \(see 'pilotfish env --help'\)$/],
  [['env', 'set'], /^pilotfish env set: missing arguments, expected pilotfish env set <assignments\.\.> \(see 'pilotfish env set --help'\)$/],
  [['completion', 'fish'], /^pilotfish completion: takes no arguments: it prints the script for bash, or zsh when \$SHELL is zsh \(given: fish\) \(see 'pilotfish completion --help'\)$/],
  [['help', 'frobnicate'], /^pilotfish: unknown command "frobnicate" \(see 'pilotfish --help'\)$/],
];

for (const [args, line] of MISTAKES) {
  test(`\`pilotfish ${args.join(' ')}\` exits 2 with one line naming the problem and the help`, async () => {
    const { code, output } = await cli(args);
    assert.equal(code, 2);
    assert.match(output, line);
  });
}

test('--version prints the version, as the version verb does', async () => {
  const manifest = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
  assert.deepEqual(await cli(['--version']), { code: 0, output: `pilotfish ${manifest.version}` });
});

test('help VERB prints the help of that verb', async () => {
  for (const verb of [['stop'], ['env', 'set']]) {
    const help = await cli(['help', ...verb]);
    assert.equal(help.code, 0);
    assert.equal(help.output, (await cli([...verb, '--help'])).output);
    assert.match(help.output, new RegExp(`^pilotfish ${verb.join(' ')} <`));
  }
  assert.equal((await cli(['help'])).output, (await cli(['--help'])).output);
});

test('completion --help prints its help, not the script', async () => {
  const help = await cli(['completion', '--help']);
  assert.equal(help.code, 0);
  assert.match(help.output, /^pilotfish completion\n\nPrint a shell completion script for bash or zsh/);
  assert.doesNotMatch(help.output, /begin-pilotfish-completions/);
});

test('completion prints a shell script, and the script gets verbs and choices from pilotfish', async () => {
  const script = await cli(['completion']);
  assert.equal(script.code, 0);
  assert.match(script.output, /^complete .*-F _pilotfish_yargs_completions pilotfish$/m);
  // What the script runs on <TAB>: the words typed so far, the command's own name first.
  const verbs = (await cli(['--get-yargs-completions', 'pilotfish', 'sto'])).output.split('\n');
  assert.ok(['stop', 'status', 'signal', 'env', 'help'].every((verb) => verbs.includes(verb)), verbs.join(' '));
  assert.deepEqual((await cli(['--get-yargs-completions', 'pilotfish', 'maintenance', 'o'])).output.split('\n'), ['on', 'off']);
});
