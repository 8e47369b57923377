// The preStart hook: prepares what the app needs before it starts (here, its greeting file).
import { writeFileSync } from 'node:fs';

const file = process.env.HELLO_GREETING_FILE ?? 'greeting.txt';
writeFileSync(file, `${process.env.HELLO_GREETING ?? 'hello from pilotfish'}\n`);
console.log(`wrote ${file}`);
