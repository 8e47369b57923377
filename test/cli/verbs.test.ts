// The verb table (src/cli/verbs.ts) is the one description of the verbs: yargs' commands are built
// from it, and the fast path recognises the plain shapes of every one of them, leaving whatever
// needs yargs' judgement (numbers, negations, mistakes, help) to yargs.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { controlVerbs, nameOf, usageOf } from '../../src/cli/control-verbs.js';
import { fastCommand } from '../../src/cli/fast-path.js';
import { CLIENT_VERBS, commandOf } from '../../src/cli/verbs.js';

describe('the verb table', () => {
  it('is what the parser builds its client verbs from, usage included', () => {
    assert.deepEqual(controlVerbs.map(nameOf), CLIENT_VERBS.map((spec) => spec.name));
    const stop = controlVerbs.find((verb) => nameOf(verb) === 'stop');
    assert.equal(stop && usageOf(stop), 'stop <jobs..>');
    const env = controlVerbs.find((verb) => nameOf(verb) === 'env');
    assert.deepEqual(env?.subcommands?.map(usageOf), ['set <assignments..>']);
  });

  it('writes usages as yargs reads them', () => {
    const usages = CLIENT_VERBS.flatMap((spec) => ('subcommands' in spec ? spec.subcommands : [spec])).map(commandOf);
    assert.ok(usages.includes('signal <job> <signal>'));
    assert.ok(usages.includes('watches [name]'));
    assert.ok(usages.includes('maintenance <mode>'));
  });

  it('gives the fast path the plain shape of every verb, groups included', () => {
    const plain = [
      ['status', '-w', '--interval', '1s'],
      ['ping', '--socket', '/tmp/x'],
      ['reload', '-c', 'pilotfish.json5'],
      ['maintenance', 'on'],
      ['env', 'set', 'A=1', 'B=2'],
      ['metric', 'queue=1', '--ignore-unknown'],
      ['start', 'web'],
      ['stop', 'web', 'worker'],
      ['restart', 'all'],
      ['signal', 'web', 'HUP'],
      ['watches', 'db', '--json'],
      ['logs', 'web', '-f'],
      ['version'],
      ['run', '--config=pilotfish.json5'],
      [],
    ];
    for (const argv of plain) assert.equal(typeof fastCommand(argv), 'function', `pilotfish ${argv.join(' ')}`);
  });

  it('leaves to yargs what needs its judgement', () => {
    const forYargs = [
      ['logs', '-n', '5'],
      ['logs', '--no-lifecycle'],
      ['maintenance', 'sideways'],
      ['signal', 'web'],
      ['ping', 'extra'],
      ['env'],
      ['env', 'unset', 'A'],
      ['status', '--json=false'],
      ['status', '--help'],
      ['stop', 'web', '--socket'],
      ['watches', 'a', 'b'],
      ['frobnicate'],
    ];
    for (const argv of forYargs) assert.equal(fastCommand(argv), undefined, `pilotfish ${argv.join(' ')}`);
    assert.equal(fastCommand(['status'], ['sh']), undefined, 'only run takes a command after --');
    assert.equal(typeof fastCommand(['run'], ['sh', '-c', 'true']), 'function');
  });
});
