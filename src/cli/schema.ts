import { configJsonSchema } from '../config/json-schema.js';

export function schemaCommand(): void {
  process.stdout.write(`${JSON.stringify(configJsonSchema(), null, 2)}\n`);
}
