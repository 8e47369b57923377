// The loading pipeline: read → render the template over the environment → parse (JSON5 or YAML) →
// normalize key spelling → validate and convert (schema) → fill defaults → check whole-job and
// whole-document rules, and that the log output can be opened → list the warnings (repeated job
// names). Pure apart from reading the file and looking at the log output's path. Each stage
// reports every issue it finds; a stage runs only on the clean output of the one before, so no
// issue is a knock-on effect of another.
import { resolve } from 'node:path';
import { buildConfig } from './build.js';
import { ConfigError, formatIssue, formatPath, formatPlace, type ConfigIssue, type DocumentIssue, type DocumentPath, type Position } from './errors.js';
import { execValuesAsData, execWarnings } from './exec-as-written.js';
import { checkReferences, healthEventsThatNeverCome, unknownSources } from './graph.js';
import { hostIssues } from './host.js';
import { throughTemplate, type Locator } from './locate.js';
import { normalizeKeys } from './normalize.js';
import { documentFormat, parseText } from './parse.js';
import { readConfigFile } from './read.js';
import { checkJobs, repeatedNames, ttlsThatLapse } from './rules.js';
import { configSchema } from './schema.js';
import { checkWatches } from './watch-rules.js';
import { renderTemplate, TemplateError, type OutputRange } from './template.js';
import type { Command, Config } from './types.js';
import { describeZodIssue, documentIssues } from './zod-issues.js';

/**
 * Loads `file`; throws ConfigError listing every problem, each with file, path, line and column.
 * `commandLine`, the command after `pilotfish --`, becomes the main job (build.ts says how).
 */
export function loadConfig(file: string, env: Readonly<Record<string, string | undefined>>, commandLine?: Command): Config {
  return loadConfigText(readConfigFile(file), file, env, commandLine);
}

/** The config file's text with its template rendered (`pilotfish template`); throws ConfigError. */
export function renderConfigFile(file: string, env: Record<string, string | undefined>): string {
  return render(readConfigFile(file), file, env);
}

/** As `loadConfig`, for text already read; `file` picks the format and names the file in messages. */
export function loadConfigText(text: string, file: string, env: Record<string, string | undefined>, commandLine?: Command): Config {
  const templateValues = new Set<string>();
  const actionOutput: OutputRange[] = [];
  const rendered = render(text, file, env, templateValues, actionOutput);
  const toSource = throughTemplate(text, rendered);
  const place = (issues: readonly DocumentIssue[], locate?: Locator): ConfigError =>
    new ConfigError(
      issues
        .map(({ path, message, position }) => {
          const rendered = position ?? locate?.(path);
          const source = toSource(rendered);
          // The line as written is not the line read: the template changed it (an empty variable?).
          const changed = rendered?.column !== undefined && source !== undefined && source.column === undefined;
          return placed(file, formatPath(path), changed ? `${message} (in this line as its template rendered it: \`pilotfish template\` shows it)` : message, source);
        })
        .sort(byPosition),
    );

  const format = documentFormat(file);
  const parsed = parseText(rendered, format);
  if (!parsed.ok) throw place(parsed.issues);

  // YAML is pilotfish's own format: no ContainerPilot config to stay compatible with.
  const document = normalizeKeys(format === 'json5' ? execValuesAsData(parsed.value, rendered, actionOutput, parsed.tree) : parsed.value, configSchema);
  const result = configSchema.safeParse(document.value, { error: describeZodIssue });
  const schemaIssues = result.success ? [] : documentIssues(result.error.issues);
  const shapeIssues = [...document.issues, ...schemaIssues.map((issue) => ({ ...issue, path: document.userPath(issue.path) }))];
  if (!result.success || shapeIssues.length > 0) throw place(shapeIssues, parsed.locate);

  const config = buildConfig(result.data, { file: resolve(file), hashed: rendered, templateValues: [...templateValues], commandLine });
  const ruleIssues = [...checkJobs(config.jobs), ...checkReferences(config), ...checkWatches(config), ...hostIssues(config)].map((issue) => ({
    ...issue,
    path: document.userPath(issue.path),
  }));
  if (ruleIssues.length > 0) throw place(ruleIssues, parsed.locate);
  const positionOf = (path: DocumentPath) => toSource(parsed.locate(document.userPath(path)));
  const warnings = [...repeatedNames(config.jobs, (path) => formatPlace(file, positionOf(path))), ...execWarnings(document.value), ...unknownSources(config), ...healthEventsThatNeverCome(config), ...ttlsThatLapse(config)].map(({ path, message }) =>
    formatIssue(placed(file, formatPath(document.userPath(path)), message, positionOf(path))),
  );
  return Object.assign(config, { warnings });
}

function render(text: string, file: string, env: Record<string, string | undefined>, readValues?: Set<string>, actionOutput?: OutputRange[]): string {
  try {
    return renderTemplate(text, env, readValues, actionOutput);
  } catch (error) {
    if (!(error instanceof TemplateError)) throw error;
    const issue = placed(file, '', error.message, { line: error.line, column: error.column });
    if (error.context === undefined) throw new ConfigError([issue]);
    // Errors while executing read as Go's text/template words them (as ContainerPilot reported
    // them), with the file as the template's name (or the defined template's, inside one) and
    // Go's column: bytes from 0.
    const executing = JSON.stringify(error.templateName ?? file);
    const goText = `template: ${file}:${error.line}:${error.byteColumn}: executing ${executing} at <${error.context}>: ${error.message}`;
    throw new ConfigError([{ ...issue, text: goText }]);
  }
}

function placed(file: string, path: string, message: string, position: Position | undefined): ConfigIssue {
  return { file, path, ...position, message };
}

/** Document order; issues whose place is unknown go last, in the order they were found. */
function byPosition(a: ConfigIssue, b: ConfigIssue): number {
  return (a.line ?? Infinity) - (b.line ?? Infinity) || (a.column ?? 0) - (b.column ?? 0);
}
