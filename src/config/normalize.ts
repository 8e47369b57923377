// Key spelling, decided by walking the document alongside the schema: any key may be written in
// snake_case or camelCase (`initial_status` is ContainerPilot's own spelling), so keys of schema
// objects are renamed to the schema's camelCase, while the keys of free-form maps (`env`, `meta`,
// `headers`, `telemetry`) are left exactly as written. Unknown keys are reported here, where the
// allowed keys are known, with a suggestion; so are keys given in both spellings.
import type * as z from 'zod/mini';
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

/**
 * The schema's key for a key as written: camelCase or snake_case, and, as ContainerPilot's decoder
 * (mapstructure) matched a field whose exact name was missing, in any case (`stoptimeout`, `Name`,
 * `INITIAL_STATUS`). The key as converted when nothing matches, for the unknown-key message.
 */
function schemaKey(userKey: string, shape: z.core.$ZodShape): string {
  const key = camelCase(userKey);
  if (Object.hasOwn(shape, key)) return key;
  const folded = userKey.toLowerCase();
  return Object.keys(shape).find((candidate) => candidate.toLowerCase() === folded || snakeCase(candidate) === folded) ?? key;
}

/** Any schema, seen through its definition (`def.type` says which kind), as zod/mini exposes it. */
type Schema = z.core.$ZodType;

export function normalizeKeys(document: unknown, schema: Schema): NormalizedDocument {
  const issues: DocumentIssue[] = [];
  // For each renamed object: schema key → the key as the user wrote it.
  const spellings = new WeakMap<object, Map<string, string>>();

  function walk(value: unknown, schema: Schema, path: DocumentPath): unknown {
    const def = definitionFor(value, schema);
    if (def?.type === 'array' && Array.isArray(value)) {
      return value.map((item, index) => walk(item, def.element, [...path, index]));
    }
    if (def?.type === 'record' && isPlainObject(value)) {
      return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, walk(item, def.valueType, [...path, key])]));
    }
    if (def?.type === 'object' && isPlainObject(value)) {
      return renameKeys(value, def.shape, path);
    }
    return value;
  }

  function renameKeys(object: Record<string, unknown>, shape: z.core.$ZodShape, path: DocumentPath): Record<string, unknown> {
    const renamed: Record<string, unknown> = {};
    const written = new Map<string, string>();
    for (const [userKey, item] of Object.entries(object)) {
      const key = schemaKey(userKey, shape);
      const fieldSchema = Object.hasOwn(shape, key) ? shape[key] : undefined; // not `constructor` from the prototype
      const earlier = written.get(key);
      if (fieldSchema === undefined) {
        const v2 = path.length === 0 ? CONTAINERPILOT_2_KEYS[userKey.toLowerCase()] : undefined;
        issues.push({ path: [...path, userKey], message: v2 ? `unknown key: ${v2}` : unknownKeyMessage(userKey, Object.keys(shape)) });
      } else if (earlier !== undefined) {
        const message = `${quoteKey(earlier)} is given already: they are the same key, keep one`;
        issues.push({ path: [...path, userKey], message });
      } else {
        written.set(key, userKey);
        renamed[key] = walk(item, fieldSchema, [...path, userKey]);
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

/**
 * The hint follows the user's style: `initial_stats` suggests `initial_status`. Words other
 * supervisors use (docker compose, supervisord, systemd, Pebble), and typos of them, suggest ours:
 * `command` and `comand` suggest `exec` where a job's keys are expected.
 */
function unknownKeyMessage(userKey: string, knownKeys: string[]): string {
  const synonyms = Object.keys(OTHER_SUPERVISORS_WORDS).filter((word) => knownKeys.includes(OTHER_SUPERVISORS_WORDS[word] as string));
  const spell = (match: string): string => {
    const key = OTHER_SUPERVISORS_WORDS[match] ?? match;
    return userKey.includes('_') ? snakeCase(key) : key;
  };
  return `unknown key${didYouMean(userKey.replace(/[-_]/g, ''), [...knownKeys, ...synonyms], 'key', spell)}`;
}

/** ContainerPilot 2's top-level keys: its version 3, which pilotfish reads, made them all jobs and watches. */
const V2 = 'a ContainerPilot 2 key; pilotfish reads ContainerPilot 3 configs, where';
const CONTAINERPILOT_2_KEYS: Readonly<Record<string, string>> = {
  services: `${V2} services are \`jobs\` (with \`port\` and \`health\` to register them)`,
  backends: `${V2} backends are \`watches\`, and their onChange a job on the watch's \`changed\``,
  coprocesses: `${V2} coprocesses are \`jobs\``,
  tasks: `${V2} tasks are \`jobs\` with \`when: {interval}\``,
  prestart: `${V2} preStart is a job the app waits for (\`when: {source: "prestart", once: "exitSuccess"}\`)`,
  prestop: `${V2} preStop is a job on the app's \`stopping\``,
  poststop: `${V2} postStop is a job on the app's \`stopped\``,
};

const OTHER_SUPERVISORS_WORDS: Readonly<Record<string, string>> = {
  command: 'exec',
  cmd: 'exec',
  args: 'exec',
  program: 'exec',
  healthcheck: 'health',
  dependson: 'when',
  environment: 'env',
  workingdir: 'cwd',
  workdir: 'cwd',
  directory: 'cwd',
  autorestart: 'restarts',
  killsignal: 'stopSignal',
  stopwaitsecs: 'stopTimeout',
  stopgraceperiod: 'stopTimeout',
};

/**
 * The definition of the schema that describes `value`: optional wrappers and transforms are looked
 * through, and for a union (a URL string or an object) the option of the same kind as the value is taken.
 */
function definitionFor(value: unknown, schema: Schema): z.core.$ZodTypes['_zod']['def'] | undefined {
  const def = (schema as z.core.$ZodTypes)._zod.def;
  if (def.type === 'optional') return definitionFor(value, def.innerType);
  if (def.type === 'pipe') return definitionFor(value, def.in);
  if (def.type === 'union') {
    for (const option of def.options) {
      const candidate = definitionFor(value, option);
      const sameKind = Array.isArray(value) ? candidate?.type === 'array' : candidate?.type === 'object' || candidate?.type === 'record';
      if (sameKind) return candidate;
    }
    return undefined;
  }
  return def;
}
