// The `pilotfish` executable (built as CommonJS, with the shell line of scripts/bundle.mjs in
// front). CommonJS runs in the same synchronous step as Node's bootstrap, while an ES module entry
// waits for the loader: so signals are held here, from Node's first turn of JavaScript, and the
// command itself is loaded afterwards.
import { holdSignals } from '../supervisor/early-signals.js';

holdSignals();
void import('./main.js');
