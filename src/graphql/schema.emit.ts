/**
 * `npm run schema:emit` writes schema/schema.graphql from the code; `npm run schema:check`
 * (with --check) fails when the committed file differs, so the contract never drifts.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { printSchema } from 'graphql';
import { builtInVendors } from '../vendors/vendors.js';
import { buildEventgraphSchema } from './schema.js';

const file = new URL('../../schema/schema.graphql', import.meta.url);
const header = '# The public contract of eventgraph. Generated from src/graphql by `npm run schema:emit`; do not edit.\n\n';

const printed = header + printSchema(await buildEventgraphSchema(builtInVendors())) + '\n';

if (process.argv.includes('--check')) {
  const committed = await readFile(file, 'utf8').catch(() => '');
  if (committed !== printed) {
    console.error('schema/schema.graphql differs from what the code builds: run `npm run schema:emit` and commit it.');
    process.exit(1);
  }
  console.log('schema/schema.graphql is up to date.');
} else {
  await writeFile(file, printed);
  console.log('wrote schema/schema.graphql');
}
