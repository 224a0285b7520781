/**
 * `npm run schema:emit` writes schema/schema.graphql and schema/subgraph.graphql from the
 * code; `npm run schema:check` (with --check) fails when a committed file differs, so the
 * contracts never drift.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { printSchema } from 'graphql';
import { builtInVendors } from '../vendors/vendors.js';
import { buildEventgraphSubgraphSchema, subgraphSdl } from './federation/subgraph-schema.js';
import { buildEventgraphSchema } from './schema.js';

const header = '# The public contract of eventgraph. Generated from src/graphql by `npm run schema:emit`; do not edit.\n\n';

const vendors = builtInVendors();
const files = [
  { name: 'schema/schema.graphql', printed: header + printSchema(await buildEventgraphSchema(vendors)) + '\n' },
  // Exactly what `_service { sdl }` answers (and a final newline), with no header of ours:
  // it is the SDL a router or `rover subgraph check` is given, compared as it is.
  { name: 'schema/subgraph.graphql', printed: (await subgraphSdl(await buildEventgraphSubgraphSchema(vendors))) + '\n' },
];

if (process.argv.includes('--check')) {
  let stale = false;
  for (const { name, printed } of files) {
    const committed = await readFile(new URL(`../../${name}`, import.meta.url), 'utf8').catch(() => '');
    if (committed === printed) {
      console.log(`${name} is up to date.`);
    } else {
      console.error(`${name} differs from what the code builds: run \`npm run schema:emit\` and commit it.`);
      stale = true;
    }
  }
  if (stale) process.exit(1);
} else {
  for (const { name, printed } of files) {
    await writeFile(new URL(`../../${name}`, import.meta.url), printed);
    console.log(`wrote ${name}`);
  }
}
