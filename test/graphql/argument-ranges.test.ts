import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../helpers/stack.js';
import { fiveSources } from '../helpers/timeline-oracle.js';

/*
 * The native queries' integer ranges are declared on their arguments (IntRange); a value
 * out of range is BAD_USER_INPUT naming the argument, before any upstream call.
 */
const CASES = [
  ['triggerLogs(repoName: "x", limit: 5000) { count }', 'limit', 'limit must be between 1 and 1000, got 5000'],
  ['triggerLogs(repoName: "x", offset: -1) { count }', 'offset', 'offset must be 0 or more, got -1'],
  ['deploymentServices(limit: 0) { count }', 'limit', 'limit must be between 1 and 1000, got 0'],
  ['deploymentEvents(serviceId: "s", offset: -3) { count }', 'offset', 'offset must be 0 or more, got -3'],
  ['imageEvents(limit: 201) { count }', 'limit', 'limit must be between 0 and 200, got 201'],
  ['imageEvents(offset: 2000001) { count }', 'offset', 'offset must be between 0 and 2000000, got 2000001'],
  ['auditLogs(repoName: "generic-local", eventType: "NODE_CREATED", pageNumber: 0) { count }', 'pageNumber', 'pageNumber must be 1 or more, got 0'],
  ['auditLogs(repoName: "generic-local", eventType: "NODE_CREATED", pageSize: 1001) { count }', 'pageSize', 'pageSize must be between 1 and 1000, got 1001'],
] as const;

describe('argument ranges of the native queries', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({
      sources: (emulators) =>
        fiveSources(emulators, { services: emulators.modelarts.services().slice(0, 1).map((s) => s.service_id), repositories: emulators.tencentCcr.repositories().slice(0, 1), bkrepoRepositories: ['generic-local'] }),
    });
  });
  afterAll(() => stack?.close());

  it.each(CASES)('%s', async (field, argument, message) => {
    const before = upstreamRequests(stack);
    const result = await stack.gql(`{ ${field} }`);
    expect(result.errors).toHaveLength(1);
    expect(result.errors![0]).toMatchObject({ message, extensions: { code: 'BAD_USER_INPUT', argument } });
    expect(upstreamRequests(stack)).toBe(before);
  });
});

/** API requests every emulator has received. */
function upstreamRequests(stack: Stack): number {
  const counted = (emulator: object) => ('requests' in emulator ? (emulator as { requests(): { total: number } }).requests().total : 0);
  return stack.emulators.list().reduce((n, emulator) => n + counted(emulator), 0);
}
