import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import YAML from 'yaml';

/** WorkOS's published OpenAPI document, parsed once. */
const require = createRequire(import.meta.url);
const specPath = require.resolve('@workos/openapi-spec/spec');

export const spec: any = YAML.parse(readFileSync(specPath, 'utf8'));

const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: true });
addFormats.default(ajv);
ajv.addSchema({ $id: 'workos', components: spec.components }, 'workos');

const cache = new Map<string, ValidateFunction>();

function compile(key: string, schema: object): ValidateFunction {
  let fn = cache.get(key);
  if (!fn) {
    // Inline schemas of the spec use `#/components/...` refs; rewrite them to our document id.
    const text = JSON.stringify(schema).replaceAll('"#/components/', '"workos#/components/');
    fn = ajv.compile(JSON.parse(text));
    cache.set(key, fn);
  }
  return fn;
}

/** Validator for a named component schema, e.g. `EventSchema`. */
export function componentValidator(name: string): ValidateFunction {
  return compile(`component:${name}`, { $ref: `workos#/components/schemas/${name}` });
}

/** Validator for the JSON body of one response of one operation in the spec. */
export function responseValidator(method: string, path: string, status: number): ValidateFunction {
  const operation = spec.paths[path]?.[method.toLowerCase()];
  if (!operation) throw new Error(`spec has no ${method} ${path}`);
  const response = operation.responses[String(status)];
  const schema = response?.content?.['application/json']?.schema;
  if (!schema) throw new Error(`spec has no JSON body for ${method} ${path} ${status}`);
  return compile(`${method} ${path} ${status}`, schema);
}

/** Throws with the validator's errors (and a piece of the value) when `value` does not validate. */
export function assertValid(validate: ValidateFunction, value: unknown, label: string): void {
  if (validate(value)) return;
  const errors = (validate.errors ?? [])
    .slice(0, 8)
    .map((e) => `${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`)
    .join('\n  ');
  throw new Error(
    `${label} does not match the WorkOS spec:\n  ${errors}\nvalue: ${JSON.stringify(value).slice(0, 600)}`,
  );
}

/** The event types the spec defines, from EventSchema's oneOf. */
export function specEventTypes(): string[] {
  return spec.components.schemas.EventSchema.allOf[1].oneOf
    .map((b: any) => b.properties.event.const)
    .sort();
}
