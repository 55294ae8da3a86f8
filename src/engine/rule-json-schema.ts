import { z } from 'zod';
import { ruleFileSpec } from './rule-schema.js';

/** The JSON Schema of rule files, as checked in at rules/rule-file.schema.json (for editors). */
export function ruleFileSchemaText(): string {
  const schema = z.toJSONSchema(ruleFileSpec, { io: 'input', unrepresentable: 'any' });
  return `${JSON.stringify({ ...schema, title: 'auditwatch rule file' }, null, 2)}\n`;
}
