// JSON Schema of the config document, for editor completion and validation
// (`"$schema": "./pilotfish.schema.json"` in a config file).
import { toJSONSchema } from 'zod/mini';
import { snakeCase } from './normalize.js';
import { configSchema } from './schema.js';

/** Describes the input document (durations as strings or numbers, commands as strings or arrays). */
export function configJsonSchema(): Record<string, unknown> {
  const schema = toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' });
  return withSnakeCaseAliases(schema) as Record<string, unknown>;
}

/**
 * The loader accepts every key in snake_case too (`initial_status` is ContainerPilot's spelling),
 * and objects are closed (`additionalProperties: false`), so each multi-word property is listed
 * under both spellings. No multi-word property is required, so `required` needs no alias.
 */
function withSnakeCaseAliases(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withSnakeCaseAliases);
  if (typeof node !== 'object' || node === null) return node;
  const copy = Object.fromEntries(Object.entries(node).map(([key, value]) => [key, withSnakeCaseAliases(value)]));
  const properties = copy['properties'] as Record<string, unknown> | undefined;
  if (properties !== undefined) {
    for (const [key, value] of Object.entries(properties)) {
      const alias = snakeCase(key);
      if (alias !== key) properties[alias] = value;
    }
  }
  return copy;
}
