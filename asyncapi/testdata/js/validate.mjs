// Checks an AsyncAPI document written by nexo's asyncapi package:
// 1. against the official AsyncAPI 3.0.0 JSON Schema (@asyncapi/specs);
// 2. with the AsyncAPI parser (@asyncapi/parser), which resolves every
//    $ref and must report no error; it prints what it read, so that the
//    Go test sees a real tool understood the document.
// Usage: node validate.mjs document.json
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { Parser, DiagnosticSeverity } from '@asyncapi/parser';

const require = createRequire(import.meta.url);
const specs = require('@asyncapi/specs');

const text = readFileSync(process.argv[2], 'utf8');
const doc = JSON.parse(text);

const ajv = new Ajv({ strict: false, allErrors: true });
addFormats(ajv);
// The schema embeds the draft-07 meta-schema, which Ajv already has.
const schema = structuredClone(specs.schemas['3.0.0']);
delete schema.definitions['http://json-schema.org/draft-07/schema'];
const validate = ajv.compile(schema);
if (!validate(doc)) {
  console.error('schema: ' + JSON.stringify(validate.errors, null, 2));
  process.exit(1);
}

const parser = new Parser();
const { document, diagnostics } = await parser.parse(text);
const errors = diagnostics.filter(d => d.severity === DiagnosticSeverity.Error);
if (!document || errors.length > 0) {
  console.error('parser: ' + JSON.stringify(errors, null, 2));
  process.exit(1);
}
for (const ch of document.channels()) {
  const ops = ch.operations().all().map(op => {
    const msgs = op.messages().all().map(m => m.name());
    const reply = op.reply() ? ' -> ' + op.reply().messages().all().map(m => m.name()).join('|') : '';
    return `${op.action()} ${msgs.join(',')}${reply}`;
  });
  console.log(`channel ${ch.address()} params=${ch.parameters().all().map(p => p.id()).join(',')} ${ops.sort().join('; ')}`);
}
console.log('valid');
