// zod's issues, reworded in the house style (`messages.ts`) and flattened into document issues.
import type * as z from 'zod/mini';
import type { DocumentIssue, DocumentPath } from './errors.js';
import { describeValue, didYouMean, expected } from './messages.js';

const TYPE_NAMES: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  object: 'an object',
  array: 'an array',
  record: 'an object',
};

/**
 * Passed to `safeParse` as the error map for issues whose schema has no message of its own.
 * Returning undefined leaves zod/mini's "Invalid input" (it loads no locale) for codes the config
 * schema does not produce.
 */
export const describeZodIssue: z.core.$ZodErrorMap = (issue) => {
  switch (issue.code) {
    case 'invalid_type':
      return expected(TYPE_NAMES[issue.expected] ?? issue.expected, issue.input);
    case 'invalid_value': {
      const values = issue.values.map((value) => JSON.stringify(value));
      const hint = typeof issue.input === 'string' ? didYouMean(issue.input, issue.values.map(String), 'value') : '';
      return `${expected(`one of ${values.join(', ')}`, issue.input)}${hint}`;
    }
    case 'too_small':
      if (issue.origin === 'number' || issue.origin === 'int') {
        return `must be ${issue.inclusive ? 'at least' : 'greater than'} ${issue.minimum}, got ${describeValue(issue.input)}`;
      }
      return issue.minimum === 1 ? 'must not be empty' : undefined;
    case 'too_big':
      return `must be at most ${issue.maximum}, got ${describeValue(issue.input)}`;
    default:
      return undefined;
  }
};

/**
 * When a union fails, zod reports every branch. If exactly one branch accepted the value's type
 * (an object given where "a URL or an object" is allowed), its issues are the ones that explain
 * the problem, so they replace the union's summary.
 */
export function documentIssues(issues: readonly z.core.$ZodIssue[], prefix: DocumentPath = []): DocumentIssue[] {
  return issues.flatMap((issue) => {
    const path = [...prefix, ...issue.path.map((segment) => (typeof segment === 'symbol' ? String(segment) : segment))];
    if (issue.code === 'invalid_union') {
      const matching = issue.errors.filter((branch) => !branch.some(isTypeMismatchAtRoot));
      if (matching.length === 1) return documentIssues(matching[0] as z.core.$ZodIssue[], path);
    }
    return [{ path, message: issue.message }];
  });
}

function isTypeMismatchAtRoot(issue: z.core.$ZodIssue): boolean {
  return issue.code === 'invalid_type' && issue.path.length === 0;
}
