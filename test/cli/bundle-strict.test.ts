// The npm bundle runs as strict as the ES modules it was built from: its chunks are converted to
// CommonJS (scripts/bundle.mjs), and a CommonJS file is sloppy unless it says otherwise.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Script } from 'node:vm';
import { REPO_ROOT } from '../helpers/pilotfish.js';

const BUNDLE = join(REPO_ROOT, 'dist/bundle/cli');

/** Whether `source`, compiled as Node compiles a CommonJS module (in a function), is strict code: only sloppy code may hold a `with` statement. */
function compilesStrict(source: string): boolean {
  // Node skips a hashbang line (the launcher's); inside the wrapper it would not parse.
  const body = source.replace(/^#!.*/, '');
  try {
    new Script(`(function (exports, require, module, __filename, __dirname) {${body}\nwith ({}) {}\n})`);
    return false;
  } catch (error) {
    if (error instanceof SyntaxError && /strict mode/i.test(error.message)) return true;
    throw error;
  }
}

test('every file of the npm bundle is strict mode code, as the ES modules it comes from were', () => {
  const files = readdirSync(BUNDLE).filter((name) => /\.c?js$/.test(name));
  assert.ok(files.includes('main.js') && files.includes('pilotfish.cjs'), `the bundle is built: ${files.join(', ')}`);
  const sloppy = files.filter((name) => !compilesStrict(readFileSync(join(BUNDLE, name), 'utf8')));
  assert.deepEqual(sloppy, []);
});

test('the strictness probe tells sloppy code from strict code', () => {
  assert.equal(compilesStrict('x = 1;'), false);
  assert.equal(compilesStrict('"use strict";\nx = 1;'), true);
});
