// Generates src/api/types/schema.gen.ts from the API's OpenAPI schema with openapi-typescript.
//
//   node scripts/api-types.mjs            write the file
//   node scripts/api-types.mjs --check    exit 1 if regenerating would change it (CI)
//
// The schema comes from `manage.py spectacular` (../.venv/bin/python, or API_TYPES_PYTHON), or,
// when API_SCHEMA_URL is set, from a running server (e.g. http://127.0.0.1:8000/api/schema/?format=json).
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import openapiTS, { astToString } from 'openapi-typescript';

const FRONTEND = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const ROOT = resolve(FRONTEND, '..');
const OUT = resolve(FRONTEND, 'src/api/types/schema.gen.ts');
const HEADER = `/**
 * Generated from the API's OpenAPI schema by scripts/api-types.mjs (openapi-typescript).
 * Do not edit: change the server, then run \`npm run api-types\`. CI fails when this file is stale.
 */

`;

async function loadSchema() {
  const url = process.env.API_SCHEMA_URL;
  if (url) {
    const response = await fetch(url, { headers: { Accept: 'application/json' } });
    if (!response.ok) throw new Error(`GET ${url}: ${response.status}`);
    return response.json();
  }
  const python = process.env.API_TYPES_PYTHON ?? resolve(ROOT, '.venv/bin/python');
  if (!existsSync(python))
    throw new Error(`no Python at ${python} (run \`make install\`, or set API_TYPES_PYTHON)`);
  const json = execFileSync(python, ['manage.py', 'spectacular', '--format', 'openapi-json'], {
    cwd: ROOT,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 32 * 1024 * 1024,
  });
  return JSON.parse(json);
}

/**
 * A property's length limits. A field that may also be blank (drf-spectacular writes
 * `oneOf: [{maxLength: 100, pattern}, {maxLength: 0}]`) takes the widest of its alternatives.
 */
function lengthLimits(property) {
  const alternatives = property.oneOf ?? property.anyOf ?? [property];
  const limit = {};
  const lengths = (key) => alternatives.filter((a) => key in a).map((a) => a[key]);
  if (lengths('minLength').length === alternatives.length)
    limit.minLength = Math.min(...lengths('minLength'));
  if (lengths('maxLength').length === alternatives.length)
    limit.maxLength = Math.max(...lengths('maxLength'));
  return limit;
}

/**
 * The length limits of every schema's fields (`minLength`, `maxLength`), as a typed constant:
 * openapi-typescript keeps only the types, and forms need the numbers (a visible counter
 * instead of a silent cut). Read-only fields are left out: no form sends them.
 */
function fieldLimits(schema) {
  const limits = {};
  for (const [name, component] of Object.entries(schema.components?.schemas ?? {})) {
    for (const [field, property] of Object.entries(component.properties ?? {})) {
      if (property.readOnly) continue;
      const limit = lengthLimits(property);
      if (Object.keys(limit).length) (limits[name] ??= {})[field] = limit;
    }
  }
  return `
/** Length limits of the fields of each schema (\`minLength\`, \`maxLength\`), from the same schema. */
export const fieldLimits = ${JSON.stringify(limits, null, 4)} as const satisfies {
    [S in keyof components["schemas"]]?: {
        [F in keyof components["schemas"][S]]?: { readonly minLength?: number; readonly maxLength?: number };
    };
};
`;
}

const schema = await loadSchema();
const generated = HEADER + astToString(await openapiTS(schema)) + fieldLimits(schema);

if (process.argv.includes('--check')) {
  const current = existsSync(OUT) ? readFileSync(OUT, 'utf8') : '';
  if (current !== generated) {
    console.error(
      'src/api/types/schema.gen.ts is out of date with the API schema: run `npm run api-types` and commit the result.',
    );
    process.exit(1);
  }
  console.log('API types are up to date with the schema.');
} else {
  writeFileSync(OUT, generated);
  console.log(`wrote ${OUT}`);
}
