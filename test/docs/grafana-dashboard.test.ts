import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Kind, parse, validate, type GraphQLSchema, type OperationDefinitionNode } from 'graphql';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildEventgraphSchema } from '../../src/graphql/schema.js';
import { builtInVendors } from '../../src/vendors/vendors.js';

/*
 * docs/grafana.md and the dashboard it ships (docs/grafana/eventgraph-dashboard.json) hold
 * GraphQL a dashboard author pastes into Grafana. Both must stay valid against the schema,
 * and the dashboard's queries must be the example operations in schema/operations, which
 * `npm run codegen:check` checks too.
 */
const root = join(import.meta.dirname, '..', '..');
const read = (path: string) => readFileSync(join(root, path), 'utf8');

/** What the Wild GraphQL Data Source sends as variables with every query. */
const WILD_GRAPHQL_VARIABLES = ['from', 'to', 'interval_ms', 'maxDataPoints', 'refId'];

/**
 * Grafana and Infinity macros, as Grafana would interpolate them into a query's text: the
 * epoch ms of the range and the interval in ms.
 */
const MACROS: Record<string, string> = {
  '${__from}': '1777636800000',
  '${__to}': '1777723199999',
  '${__timeFrom}': '1777636800000',
  '${__timeTo}': '1777723199999',
  '${__interval_ms}': '60000',
};

interface Target {
  refId: string;
  datasource: { type: string; uid: string };
  queryText: string;
  operationName: string;
  parsingOptions: Array<{ dataPath: string }>;
}
interface Panel {
  title: string;
  type: string;
  targets?: Target[];
  panels?: Panel[];
}
interface Dashboard {
  __inputs: Array<{ name: string; type: string; pluginId: string }>;
  panels: Panel[];
  schemaVersion: number;
  time: { from: string; to: string };
  refresh: string;
}

function panelsOf(panels: Panel[]): Panel[] {
  return panels.flatMap((panel) => [panel, ...panelsOf(panel.panels ?? [])]);
}

function graphqlBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/^```graphql\n([\s\S]*?)^```$/gm)].map((match) => match[1]!);
}

function interpolate(text: string): string {
  return Object.entries(MACROS).reduce((result, [macro, value]) => result.split(macro).join(value), text);
}

function operation(text: string): OperationDefinitionNode {
  const definitions = parse(text).definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  expect(definitions).toHaveLength(1);
  return definitions[0]!;
}

describe('the Grafana docs and dashboard', () => {
  let schema: GraphQLSchema;
  const dashboard = JSON.parse(read('docs/grafana/eventgraph-dashboard.json')) as Dashboard;
  const targets = panelsOf(dashboard.panels).flatMap((panel) => (panel.targets ?? []).map((target) => ({ panel, target })));
  const operations = readdirSync(join(root, 'schema', 'operations'))
    .filter((file) => file.startsWith('grafana-') && file.endsWith('.graphql'))
    .map((file) => ({ file, text: read(join('schema', 'operations', file)) }));
  const guide = read('docs/grafana.md');

  beforeAll(async () => {
    schema = await buildEventgraphSchema(builtInVendors());
  });

  it('is a dashboard of the expected model, with the Wild GraphQL data source as an input', () => {
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(36);
    expect(dashboard.time).toEqual({ from: 'now-24h', to: 'now' });
    expect(dashboard.refresh).toBe('1m');
    expect(dashboard.__inputs).toEqual([expect.objectContaining({ name: 'DS_EVENTGRAPH', type: 'datasource', pluginId: 'retrodaredevil-wildgraphql-datasource' })]);
    expect(targets.map(({ panel }) => panel.type).sort()).toEqual(['stat', 'table', 'timeseries']);
    for (const { target } of targets) expect(target.datasource).toEqual({ type: 'retrodaredevil-wildgraphql-datasource', uid: '${DS_EVENTGRAPH}' });
  });

  it('has a query per panel that parses and validates against the schema', () => {
    expect(targets.length).toBeGreaterThan(0);
    for (const { panel, target } of targets) {
      const errors = validate(schema, parse(target.queryText));
      expect(errors.map((error) => `${panel.title}: ${error.message}`)).toEqual([]);
      expect(operation(target.queryText).name?.value).toBe(target.operationName);
    }
  });

  it('sends exactly the example operations in schema/operations/grafana-*.graphql', () => {
    expect(operations.length).toBe(3);
    for (const { panel, target } of targets) {
      expect(operations.map((op) => op.text), panel.title).toContain(target.queryText);
    }
    for (const op of operations) {
      expect(targets.map(({ target }) => target.queryText), op.file).toContain(op.text);
    }
  });

  it('declares only variables the Wild GraphQL Data Source provides', () => {
    for (const { panel, target } of targets) {
      const declared = (operation(target.queryText).variableDefinitions ?? []).map((definition) => definition.variable.name.value);
      for (const name of declared) expect(WILD_GRAPHQL_VARIABLES, `${panel.title}: $${name}`).toContain(name);
    }
  });

  it('has docs/grafana.md show each example operation as it is', () => {
    const blocks = graphqlBlocks(guide);
    for (const op of operations) expect(blocks, op.file).toContain(op.text);
  });

  it.each(['docs/grafana.md', 'docs/api.md'])('has every ```graphql block of %s validate, macros interpolated', (path) => {
    const blocks = graphqlBlocks(read(path));
    if (path === 'docs/grafana.md') expect(blocks.length).toBeGreaterThanOrEqual(6);
    for (const block of blocks) {
      const text = interpolate(block);
      expect(text, block).not.toMatch(/\$\{/);
      const errors = validate(schema, parse(text));
      expect(errors.map((error) => error.message), block).toEqual([]);
    }
  });
});
