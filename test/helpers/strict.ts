// Whether a CommonJS script is strict mode code, as the ES modules it is built from were.
import { Script } from 'node:vm';

/** Whether `source`, compiled as Node compiles a CommonJS module (in a function), is strict code: only sloppy code may hold a `with` statement. */
export function compilesStrict(source: string): boolean {
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
