import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { configJsonSchema } from '../../src/config/json-schema.js';

// The JSON Schema 2020-12 keywords a generated schema may use.
const KEYWORDS = new Set([
  '$schema', '$id', '$ref', '$defs', 'description', 'title', 'default', 'type', 'enum', 'const', 'properties',
  'required', 'additionalProperties', 'propertyNames', 'items', 'prefixItems', 'minItems', 'maxItems', 'anyOf',
  'oneOf', 'allOf', 'not', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'minLength', 'maxLength',
  'pattern', 'format',
]);
const TYPES = new Set(['object', 'array', 'string', 'number', 'integer', 'boolean', 'null']);

/** Every schema node uses known keywords with well-formed values; returns how many nodes it saw. */
function checkSchema(node: unknown, where: string): number {
  if (typeof node === 'boolean') return 1;
  assert.ok(typeof node === 'object' && node !== null && !Array.isArray(node), `${where} is not a schema`);
  let count = 1;
  for (const [keyword, value] of Object.entries(node)) {
    assert.ok(KEYWORDS.has(keyword), `${where} uses unknown keyword ${keyword}`);
    const at = `${where}.${keyword}`;
    if (keyword === 'type') {
      for (const type of [value].flat()) assert.ok(TYPES.has(type as string), `${at}: ${String(type)}`);
    } else if (keyword === 'properties' || keyword === '$defs') {
      for (const [name, child] of Object.entries(value as object)) count += checkSchema(child, `${at}.${name}`);
    } else if (keyword === 'anyOf' || keyword === 'oneOf' || keyword === 'allOf') {
      assert.ok(Array.isArray(value) && value.length > 0, at);
      value.forEach((child, index) => (count += checkSchema(child, `${at}[${index}]`)));
    } else if (['items', 'additionalProperties', 'propertyNames', 'not'].includes(keyword)) {
      count += checkSchema(value, at);
    } else if (keyword === 'required' || keyword === 'enum') {
      assert.ok(Array.isArray(value), at);
    }
  }
  return count;
}

describe('configJsonSchema', () => {
  const schema = configJsonSchema() as {
    $schema: string;
    properties: Record<string, { items?: { properties: Record<string, unknown>; required: string[] } }>;
  };

  it('is a well-formed JSON Schema 2020-12 document', () => {
    assert.equal(schema.$schema, 'https://json-schema.org/draft/2020-12/schema');
    assert.ok(checkSchema(JSON.parse(JSON.stringify(schema)), '#') > 100);
  });

  it('describes the input document, including `$schema` and job properties', () => {
    assert.ok('$schema' in schema.properties);
    const job = schema.properties['jobs']?.items;
    assert.ok(job);
    for (const key of ['name', 'exec', 'when', 'health', 'port', 'restarts', 'stopSignal', 'initialStatus']) {
      assert.ok(key in job.properties, key);
    }
    assert.deepEqual(job.required, ['name']);
    assert.deepEqual(job.properties['timeout'], {
      description: 'Run-time limit; the process group is killed when it is exceeded.',
      type: ['string', 'number'],
    });
  });

  it('lists snake_case spellings too, since the loader accepts them', () => {
    const job = schema.properties['jobs']?.items;
    assert.deepEqual(job?.properties['initial_status'], job?.properties['initialStatus']);
    assert.ok('stop_timeout' in schema.properties);
  });
});
