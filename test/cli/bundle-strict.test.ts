// The npm bundle runs as strict as the ES modules it was built from: its chunks are converted to
// CommonJS (scripts/bundle.mjs), and a CommonJS file is sloppy unless it says otherwise.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../helpers/pilotfish.js';
import { compilesStrict } from '../helpers/strict.js';

const BUNDLE = join(REPO_ROOT, 'dist/bundle/cli');

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
