import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate as afterLinesAreWritten } from 'node:timers/promises';
import type { LoggingConfig } from '../../src/config/types.js';
import { LogSink, createLogger } from '../../src/logging/logger.js';

const settings = (output: string): LoggingConfig => ({ level: 'info', format: 'default', output });

test('a reload to an output that cannot be opened keeps logging to the old one, with an error line', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pilotfish-logger-'));
  const current = join(dir, 'current.log');
  const notADirectory = join(dir, 'file');
  writeFileSync(notADirectory, '');
  const sink = new LogSink(settings(current));
  const log = createLogger(sink);
  sink.configure({ ...settings(join(notADirectory, 'new.log')), level: 'warn' });
  log.warn('still here');
  await afterLinesAreWritten();
  const text = readFileSync(current, 'utf8');
  assert.match(text, /ERROR cannot open log output .*new\.log, logging here instead: .*ENOTDIR/);
  assert.match(text, /WARN  still here/);
  // The rest of the new block applies: the level changed.
  log.info('below the new level');
  await afterLinesAreWritten();
  assert.doesNotMatch(readFileSync(current, 'utf8'), /below the new level/);
});

test('a reopen that fails (SIGUSR1 after the log path became unusable) keeps the old output and says so', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pilotfish-logger-'));
  const path = join(dir, 'pilotfish.log');
  const sink = new LogSink(settings(path));
  const log = createLogger(sink);
  log.info('before');
  renameSync(path, `${path}.1`);
  mkdirSync(path);
  assert.equal(sink.reopen(), false);
  log.info('after');
  await afterLinesAreWritten();
  const text = readFileSync(`${path}.1`, 'utf8');
  assert.match(text, /ERROR cannot open log output .*pilotfish\.log, logging here instead: .*EISDIR/);
  assert.match(text, /INFO  after/);
});

test('a reopen lets go of a rotated file and writes to the new one, the lines logged before it to the old one', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pilotfish-logger-'));
  const path = join(dir, 'pilotfish.log');
  const sink = new LogSink(settings(path));
  const log = createLogger(sink);
  log.info('first');
  renameSync(path, `${path}.1`);
  assert.equal(sink.reopen(), true);
  log.info('second');
  await afterLinesAreWritten();
  assert.match(readFileSync(`${path}.1`, 'utf8'), /first/);
  assert.doesNotMatch(readFileSync(`${path}.1`, 'utf8'), /second/);
  assert.match(readFileSync(path, 'utf8'), /second/);
});
