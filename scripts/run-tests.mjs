// Runs every compiled *.test.js under dist/test with node's own test runner.
// (Node 20's default discovery would also run helper modules under test/, so list files explicitly.)
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

function findTests(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return findTests(path);
    return entry.name.endsWith('.test.js') ? [path] : [];
  });
}

const filter = process.argv.slice(2);
const files = findTests('dist/test').filter((f) => filter.length === 0 || filter.some((x) => f.includes(x)));
// CI runs the suite once per Node version: say which one this is.
console.log(`${files.length} test files on Node ${process.version} (${process.execPath})`);
const result = spawnSync(process.execPath, ['--test', '--test-concurrency=3', ...files], { stdio: 'inherit' });
process.exit(result.status ?? 1);
