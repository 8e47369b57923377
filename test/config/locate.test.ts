import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import JSON5 from 'json5';
import { parseDocument } from 'yaml';
import { json5Tree } from '../../src/config/json5-tree.js';
import { locatorFor, positionsIn, throughTemplate } from '../../src/config/locate.js';
import { yamlTree } from '../../src/config/yaml-tree.js';

function json5Locator(text: string) {
  JSON5.parse(text); // the locator only ever sees text json5 accepted
  return locatorFor(json5Tree(text), text);
}

describe('JSON5 locator', () => {
  const text = [
    '// pilotfish config',
    '{',
    '  /* block comment with { and "quotes" */',
    '  consul: "consul:8500", // trailing comment',
    "  'jobs': [",
    '    {',
    '      name: "app",',
    '      "exec": [\'/bin/app\', "--flag",],',
    '      health: { interval: "fast", ttl: 10, },',
    '    },',
    '    { name: \'b\\\'s\', $weird_key: +Infinity, "quoted key": .5 },',
    '  ],',
    '  "esc\\u0061ped": 0x1F,',
    '  multi: "line \\',
    'continued",',
    '  after: [[1, 2], {deep: {er: null}}],',
    '}',
  ].join('\n');
  const locate = json5Locator(text);

  it('finds keys with unquoted, single- and double-quoted spellings', () => {
    assert.deepEqual(locate(['consul']), { line: 4, column: 3 });
    assert.deepEqual(locate(['jobs']), { line: 5, column: 3 });
    assert.deepEqual(locate(['jobs', 0, 'exec']), { line: 8, column: 7 });
    assert.deepEqual(locate(['jobs', 0, 'health', 'interval']), { line: 9, column: 17 });
    assert.deepEqual(locate(['jobs', 0, 'health', 'ttl']), { line: 9, column: 35 });
  });

  it('finds array items by their value', () => {
    assert.deepEqual(locate(['jobs', 1]), { line: 11, column: 5 });
    assert.deepEqual(locate(['jobs', 0, 'exec', 1]), { line: 8, column: 28 });
    assert.deepEqual(locate(['after', 0, 1]), { line: 16, column: 15 });
    assert.deepEqual(locate(['after', 1, 'deep', 'er']), { line: 16, column: 27 });
  });

  it('decodes escapes in keys and skips escaped quotes and line continuations in strings', () => {
    assert.deepEqual(locate(['jobs', 1, '$weird_key']), { line: 11, column: 21 });
    assert.deepEqual(locate(['jobs', 1, 'quoted key']), { line: 11, column: 44 });
    assert.deepEqual(locate(['escaped']), { line: 13, column: 3 });
    assert.deepEqual(locate(['after']), { line: 16, column: 3 });
  });

  it('falls back to the nearest ancestor that is written', () => {
    assert.deepEqual(locate(['jobs', 0, 'health', 'timeout']), { line: 9, column: 7 });
    assert.deepEqual(locate(['jobs', 7, 'name']), { line: 5, column: 3 });
    assert.deepEqual(locate(['consul', 'address']), { line: 4, column: 3 });
    assert.deepEqual(locate([]), { line: 2, column: 1 });
  });

  it('points at the last of duplicate keys, the one json5 keeps', () => {
    const duplicated = '{a: 1,\n a: 2}';
    assert.equal(JSON5.parse(duplicated).a, 2);
    assert.deepEqual(json5Locator(duplicated)(['a']), { line: 2, column: 2 });
  });

  it('handles CRLF line ends and a top-level scalar', () => {
    assert.deepEqual(json5Locator('{\r\n  a: {\r\n    b: 1 }\r\n}')(['a', 'b']), { line: 3, column: 5 });
    assert.deepEqual(json5Locator('  42')(['anything']), { line: 1, column: 3 });
  });

  it('refuses text that is not JSON5 instead of guessing', () => {
    assert.throws(() => json5Tree('{a: 1'), SyntaxError);
    assert.throws(() => json5Tree('{"a" 1}'), SyntaxError);
  });
});

describe('YAML locator', () => {
  it('finds keys and sequence items from the yaml node ranges', () => {
    const text = 'consul: consul:8500\njobs:\n  - name: app\n    health:\n      interval: fast\n  - name: b\n    tags: [x, y]\n    empty:\n';
    const locate = locatorFor(yamlTree(parseDocument(text).contents), text);
    assert.deepEqual(locate(['jobs', 0, 'health', 'interval']), { line: 5, column: 7 });
    assert.deepEqual(locate(['jobs', 1]), { line: 6, column: 5 });
    assert.deepEqual(locate(['jobs', 1, 'tags', 1]), { line: 7, column: 15 });
    assert.deepEqual(locate(['jobs', 1, 'empty', 'x']), { line: 8, column: 5 });
    assert.deepEqual(locate(['jobs', 0, 'missing']), { line: 3, column: 5 });
  });

  it('treats an empty document as a scalar at the start', () => {
    assert.deepEqual(locatorFor(yamlTree(parseDocument('').contents), '')(['jobs']), { line: 1, column: 1 });
  });
});

describe('positionsIn', () => {
  it('maps offsets to 1-based lines and columns', () => {
    const at = positionsIn('ab\ncd\n\nef');
    assert.deepEqual(at(0), { line: 1, column: 1 });
    assert.deepEqual(at(2), { line: 1, column: 3 });
    assert.deepEqual(at(3), { line: 2, column: 1 });
    assert.deepEqual(at(6), { line: 3, column: 1 });
    assert.deepEqual(at(8), { line: 4, column: 2 });
  });
});

describe('throughTemplate', () => {
  it('keeps positions when rendering changed nothing', () => {
    assert.deepEqual(throughTemplate('a\nb', 'a\nb')({ line: 2, column: 1 }), { line: 2, column: 1 });
  });

  it('keeps the column only on lines the template left alone', () => {
    const toSource = throughTemplate('a: {{ .X }}\nb: 1', 'a: 42\nb: 1');
    assert.deepEqual(toSource({ line: 1, column: 4 }), { line: 1 });
    assert.deepEqual(toSource({ line: 2, column: 4 }), { line: 2, column: 4 });
  });

  it('drops positions when rendering added or removed lines', () => {
    assert.equal(throughTemplate('{{ range }}\nx', 'x\nx\nx')({ line: 2, column: 1 }), undefined);
  });
});
