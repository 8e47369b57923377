// Key spelling, decided by walking the document alongside the schema: any key may be written in
// snake_case or camelCase (`initial_status` is ContainerPilot's own spelling), so keys of schema
// objects are renamed to the schema's camelCase, while the keys of free-form maps (`env`, `meta`,
// `headers`, `telemetry`) are left exactly as written. Unknown keys are reported here, where the
// allowed keys are known, with a suggestion; so are keys given in both spellings.
import { z } from 'zod';
import { isPlainObject } from '../util/records.js';
import type { DocumentIssue, DocumentPath } from './errors.js';
import { didYouMean, quoteKey } from './messages.js';

export interface NormalizedDocument {
  /** The document with schema keys in camelCase and unknown keys left out. */
  value: unknown;
  /** Unknown and doubly spelled keys, with paths as the user wrote them. */
  issues: DocumentIssue[];
  /** Translates a path in schema spelling (as in zod's issues) back to the user's spelling. */
  userPath(path: DocumentPath): DocumentPath;
}

function camelCase(key: string): string {
  return key.replace(/_([a-z0-9])/g, (_, letter: string) => letter.toUpperCase());
}

export function snakeCase(key: string): string {
  return key.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}

export function normalizeKeys(document: unknown, schema: z.ZodType): NormalizedDocument {
  const issues: DocumentIssue[] = [];
  // For each renamed object: schema key → the key as the user wrote it.
  const spellings = new WeakMap<object, Map<string, string>>();

  function walk(value: unknown, schema: z.ZodType, path: DocumentPath): unknown {
    const shape = schemaFor(value, schema);
    if (shape instanceof z.ZodArray && Array.isArray(value)) {
      return value.map((item, index) => walk(item, shape.element as z.ZodType, [...path, index]));
    }
    if (shape instanceof z.ZodRecord && isPlainObject(value)) {
      const valueSchema = shape.valueType as z.ZodType;
      return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, walk(item, valueSchema, [...path, key])]));
    }
    if (shape instanceof z.ZodObject && isPlainObject(value)) {
      return renameKeys(value, shape.shape as z.ZodRawShape, path);
    }
    return value;
  }

  function renameKeys(object: Record<string, unknown>, shape: z.ZodRawShape, path: DocumentPath): Record<string, unknown> {
    const renamed: Record<string, unknown> = {};
    const written = new Map<string, string>();
    for (const [userKey, item] of Object.entries(object)) {
      const key = camelCase(userKey);
      const fieldSchema = Object.hasOwn(shape, key) ? shape[key] : undefined; // not `constructor` from the prototype
      const earlier = written.get(key);
      if (fieldSchema === undefined) {
        issues.push({ path: [...path, userKey], message: unknownKeyMessage(userKey, Object.keys(shape)) });
      } else if (earlier !== undefined) {
        const message = `${quoteKey(earlier)} is given already: they are the same key, keep one`;
        issues.push({ path: [...path, userKey], message });
      } else {
        written.set(key, userKey);
        renamed[key] = walk(item, fieldSchema as z.ZodType, [...path, userKey]);
      }
    }
    spellings.set(renamed, written);
    return renamed;
  }

  const value = walk(document, schema, []);
  return {
    value,
    issues,
    userPath(path) {
      let node: unknown = value;
      return path.map((segment) => {
        const spelled = typeof segment === 'string' && isPlainObject(node) ? spellings.get(node)?.get(segment) : undefined;
        node = isPlainObject(node) || Array.isArray(node) ? (node as Record<string | number, unknown>)[segment] : undefined;
        return spelled ?? segment;
      });
    },
  };
}

/** The hint follows the user's style: `initial_stats` suggests `initial_status`. */
function unknownKeyMessage(userKey: string, knownKeys: string[]): string {
  const styled = userKey.includes('_') ? knownKeys.map(snakeCase) : knownKeys;
  return `unknown key${didYouMean(userKey, styled, 'key')}`;
}

/**
 * The schema that describes `value`: optional wrappers and transforms are looked through, and for
 * a union (a URL string or an object) the option of the same kind as the value is taken.
 */
function schemaFor(value: unknown, schema: z.ZodType): z.ZodType | undefined {
  if (schema instanceof z.ZodOptional) return schemaFor(value, schema.unwrap() as z.ZodType);
  if (schema instanceof z.ZodPipe) return schemaFor(value, schema.in as z.ZodType);
  if (schema instanceof z.ZodUnion) {
    for (const option of schema.options as z.ZodType[]) {
      const candidate = schemaFor(value, option);
      const sameKind = Array.isArray(value)
        ? candidate instanceof z.ZodArray
        : candidate instanceof z.ZodObject || candidate instanceof z.ZodRecord;
      if (sameKind) return candidate;
    }
    return undefined;
  }
  return schema;
}
