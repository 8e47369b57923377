// Parsing: duplicate keys are errors at the repeated key, found in one pass, and a config's size in
// values and its YAML nesting are bounded before the yaml and json5 packages spend seconds and
// hundreds of MB on them (the yaml package also overflows its stack from ~800 levels).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '../../src/config/errors.js';
import { loadConfigText } from '../../src/config/load.js';

function messageOf(text: string, file: string): string {
  try {
    loadConfigText(text, file, {});
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return error.message;
  }
  return assert.fail('accepted');
}

describe('parsing limits', () => {
  it('refuses duplicate JSON5 keys, nested ones included, at the repeated key', () => {
    const text = '{\n  jobs: [{ name: "a", exec: "true",\n    env: { A: "1",\n      A: "2" } }] }';
    assert.equal(messageOf(text, 'app.json5'), 'app.json5:4:7: jobs[0].env: duplicate key "A", already set on line 3');
    assert.equal(messageOf('{ "a-b": 1, \'a-b\': 2 }', 'app.json5'), 'app.json5:1:13: duplicate key "a-b", already set on line 1');
  });

  it('refuses YAML flow collections nested over 100 levels, at the first one too deep', { timeout: 20_000 }, () => {
    const nested = (depth: number): string => `jobs:\n  - name: a\n    exec: ${'['.repeat(depth)}${']'.repeat(depth)}\n`;
    assert.equal(messageOf(nested(500_000), 'app.yaml'), 'app.yaml:3:111: flow collections are nested more than 100 levels deep');
    assert.match(messageOf(nested(100), 'app.yaml'), /jobs\[0\]\.exec\[0\]: expected a string, got an array$/);
  });

  it('refuses JSON5 nested too deep to be located, at the first level too deep, and still finds duplicate keys otherwise', { timeout: 20_000 }, () => {
    // JSON5.parse reads any depth; the tree that gives positions and finds duplicate keys cannot.
    const nested = (depth: number): string => `{ stopTimeout: "1s", stopTimeout: "2s",\n  x: ${'['.repeat(depth)}${']'.repeat(depth)} }`;
    assert.equal(messageOf(nested(200_000), 'app.json5'), 'app.json5:2:105: flow collections are nested more than 100 levels deep');
    assert.equal(messageOf(nested(1000), 'app.json5').split('\n')[0], 'app.json5:1:22: duplicate key "stopTimeout", already set on line 1');
  });

  it('refuses more than 20 000 lines and commas, at the one too many, in either format', () => {
    const items = (count: number, separator: string): string => Array.from({ length: count }, () => '"x"').join(separator);
    // A block list of a line per item, a flow list of a comma per item, line breaks as Windows writes them.
    const block = `jobs:\n  - name: a\n    exec:\n${Array.from({ length: 20_000 }, () => '      - x\n').join('')}`;
    assert.equal(messageOf(block, 'app.yaml'), 'app.yaml:20001:10: the config has more than 20000 lines and commas, which would take seconds and hundreds of MB to read');
    assert.match(messageOf(`{ jobs: [{ name: "a", exec: [${items(20_002, ',')}] }] }`, 'app.json5'), /^app\.json5:1:80029: the config has more than 20000 lines and commas/);
    assert.match(messageOf(`jobs:\r\n  - name: a\r\n    exec:\r\n${'      - x\r\n'.repeat(20_000)}`, 'app.yaml'), /^app\.yaml:20001:11: the config has more than 20000/);
  });

  it('lists the first 50 issues and counts the rest', () => {
    const env = Array.from({ length: 1000 }, () => 'A: "1"').join(', ');
    const lines = messageOf(`{ jobs: [{ name: "a", exec: "true", env: { ${env} } }] }`, 'app.json5').split('\n');
    assert.equal(lines.length, 51);
    assert.match(lines[0] as string, /^app\.json5:1:\d+: jobs\[0\]\.env: duplicate key "A", already set on line 1$/);
    assert.equal(lines[50], '… and 949 more');
  });

  it('reads a config of 20 000 lines and commas', () => {
    const env = Array.from({ length: 9_997 }, (_, index) => `      K${index}: "a,b"`);
    const text = `jobs:\n  - name: a\n    exec: sleep 1\n    env:\n${env.join('\n')}\n`;
    assert.doesNotThrow(() => loadConfigText(text, 'app.yaml', {}));
  });

  it('finds a duplicate among a YAML mapping of 15 000 keys in one pass (the yaml package compares each key with every earlier one: seconds)', { timeout: 20_000 }, () => {
    const keys = Array.from({ length: 15_000 }, (_, index) => `      K${index}: "${index}"`);
    const text = `jobs:\n  - name: a\n    exec: sleep 1\n    env:\n${keys.join('\n')}\n      K7: again\n`;
    assert.equal(messageOf(text, 'app.yaml'), `app.yaml:${keys.length + 5}:7: jobs[0].env: duplicate key "K7", already set on line 12`);
  });
});
