// How configuration problems are reported: every issue names the file, the path in the document
// (`jobs[2].health.interval`, as the user spelled it) and, when known, the line and column.

/** A path into the config document: object keys and array indexes. */
export type DocumentPath = readonly (string | number)[];

/** 1-based. The column is left out when only the line can be trusted (see `locate.ts`). */
export interface Position {
  line: number;
  column?: number;
}

/** A problem found in the document, before it is placed in a file. */
export interface DocumentIssue {
  path: DocumentPath;
  message: string;
  /** Known up front for syntax and template errors; otherwise found from `path`. */
  position?: Position;
}

export interface ConfigIssue {
  /** The file as the caller named it, so messages show what the user typed. */
  file: string;
  /** `jobs[2].health.interval`; empty for problems with the document as a whole. */
  path: string;
  line?: number;
  column?: number;
  message: string;
  /** The whole line, for issues reported in another tool's words (Go's template execution errors). */
  text?: string;
}

/** Thrown by the loader with every issue it found, one line of `message` per issue. */
/**
 * The issues a message lists: a generated config can hold thousands of the same mistake, and a
 * reload logs the message (245 000 duplicate keys made 71 MB of log for one SIGHUP).
 */
export const MAX_LISTED_ISSUES = 50;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';

  constructor(readonly issues: readonly ConfigIssue[]) {
    const unlisted = issues.length - MAX_LISTED_ISSUES;
    super([...issues.slice(0, MAX_LISTED_ISSUES).map(formatIssue), ...(unlisted > 0 ? [`… and ${unlisted} more`] : [])].join('\n'));
  }
}

/** `examples/app.json5:12:7: jobs[2].health.interval: expected …`, the shape editors and CI logs link. */
export function formatIssue(issue: ConfigIssue): string {
  if (issue.text !== undefined) return issue.text;
  const where = formatPlace(issue.file, issue);
  return issue.path === '' ? `${where}: ${issue.message}` : `${where}: ${issue.path}: ${issue.message}`;
}

/** `examples/app.json5:12:7`, or as much of it as is known. */
export function formatPlace(file: string, position: Partial<Position> | undefined): string {
  const line = position?.line;
  return [file, line, line === undefined ? undefined : position?.column].filter((part) => part !== undefined).join(':');
}

const PLAIN_KEY = /^[A-Za-z_$][\w$]*$/;

/** `jobs[2].health.interval`; keys that are not identifiers are quoted: `env["MY-VAR"]`. */
export function formatPath(path: DocumentPath): string {
  return path
    .map((segment, index) => {
      if (typeof segment === 'number') return `[${segment}]`;
      if (!PLAIN_KEY.test(segment)) return `[${JSON.stringify(segment)}]`;
      return index === 0 ? segment : `.${segment}`;
    })
    .join('');
}
