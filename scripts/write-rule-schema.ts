/**
 * Writes rules/rule-file.schema.json from the rule language's one definition
 * (src/engine/rule-schema.ts). A unit test fails when the checked-in file drifts.
 */
import { writeFileSync } from 'node:fs';
import { ruleFileSchemaText } from '../src/engine/rule-json-schema.js';

writeFileSync(new URL('../rules/rule-file.schema.json', import.meta.url), ruleFileSchemaText());
