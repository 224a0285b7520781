import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/config.loader.js';
import { startEmulators, type RunningEmulators } from '../../src/demo/demo.emulators.js';
import { SortDirection } from '../../src/model/event.model.js';
import { decodeEventId } from '../../src/timeline/event-id.js';
import type { EventSource } from '../../src/timeline/event-source.js';
import type { StreamChunk } from '../../src/timeline/stream.js';
import { UpstreamCallCounts } from '../../src/upstream/upstream.calls.js';
import { UpstreamRequestScope } from '../../src/upstream/upstream.scope.js';
import { VendorRegistry } from '../../src/vendors/vendor-registry.js';
import { VENDORS } from '../../src/vendors/vendors.js';
import { DEMO_CREDENTIALS } from '../helpers/demo-credentials.js';
import { ANCHOR, iamCredentials, modelArtsSource } from '../helpers/stack.js';
import { tencentSource } from '../helpers/tencent.js';

/*
 * Every vendor hands the tally of a stream's query (and of the listing) to each upstream
 * call it makes for it, an IAM token request included, and nothing else gets those calls.
 * Counted against the emulators' request logs, so a call that went by another way shows.
 */

type EmulatorKey = 'modelarts' | 'iam' | 'tencentCcr' | 'hss' | 'csms' | 'bkrepo';

/** Each source, and the emulators that see its calls. */
const CASES: ReadonlyArray<{ name: string; wire: EmulatorKey[] }> = [
  { name: 'modelarts', wire: ['modelarts'] },
  { name: 'modelarts-iam', wire: ['modelarts', 'iam'] },
  { name: 'ccr', wire: ['tencentCcr'] },
  { name: 'hss', wire: ['hss'] },
  { name: 'csms', wire: ['csms'] },
  { name: 'bkrepo', wire: ['bkrepo'] },
];

function sourceConfigs(emulators: RunningEmulators): unknown[] {
  const huawei = DEMO_CREDENTIALS.huawei;
  const aksk = { type: 'aksk', accessKey: huawei.accessKey, secretKey: huawei.secretKey };
  const bkrepo = DEMO_CREDENTIALS.bkrepo;
  return [
    modelArtsSource(emulators),
    modelArtsSource(emulators, { name: 'modelarts-iam', credentials: iamCredentials(emulators) }),
    tencentSource(emulators),
    { name: 'hss', kind: 'huawei-hss', endpoint: emulators.hss.url, credentials: aksk, scope: { projectId: huawei.projectId }, http: { retries: 0 } },
    { name: 'csms', kind: 'huawei-csms', endpoint: emulators.csms.url, credentials: aksk, scope: { projectId: huawei.projectId }, http: { retries: 0 } },
    {
      name: 'bkrepo',
      kind: 'bkrepo',
      endpoint: emulators.bkrepo.url,
      credentials: { type: 'basic', username: bkrepo.user, password: bkrepo.password },
      scope: { projectId: bkrepo.projectId, repositories: ['generic-local'], eventTypes: ['NODE_DOWNLOADED'], resourceKeyPrefix: '*' },
      http: { retries: 0 },
    },
  ].map((source) => ({ cacheTtlSeconds: 30, ...source }));
}

let emulators: RunningEmulators;
let sources: Map<string, EventSource>;

beforeAll(async () => {
  const vendors = new VendorRegistry(VENDORS);
  emulators = await startEmulators({ now: ANCHOR });
  const config = parseConfig({ sources: sourceConfigs(emulators) }, 'test configuration', vendors.configSchema);
  sources = new Map(vendors.createSources(config).map((source) => [source.name, source]));
});
afterAll(() => emulators.close());

const wireCalls = (keys: readonly EmulatorKey[]) => keys.reduce((sum, key) => sum + emulators[key].requests().total, 0);

/** The first chunk of the source's first stream, as a page reads it, with `calls` as its tally. */
async function firstChunk(source: EventSource, calls: UpstreamCallCounts): Promise<StreamChunk> {
  const [stream] = await source.openSession().streams(calls);
  return stream!.open({ order: SortDirection.DESC, until: ANCHOR, filter: {}, want: 10, plan: stream!.plan({}), calls }).next();
}

describe('the tally of a stream query', () => {
  for (const { name, wire } of CASES) {
    it(`${name}: gets every call the listing and the read made, and how long their answers serve; a tally not handed gets nothing`, async () => {
      const source = sources.get(name)!;
      for (const key of wire) emulators[key].resetRequests();
      const scope = new UpstreamRequestScope();
      const handed = new UpstreamCallCounts();
      const bystander = new UpstreamCallCounts();
      const started = Date.now();

      const chunk = await scope.run(() => firstChunk(source, handed));
      const made = wireCalls(wire);
      expect(chunk.events.length).toBeGreaterThan(0);
      expect(made).toBeGreaterThan(0);
      expect(handed.of(name)).toBe(made);
      expect(scope.calls.of(name)).toBe(made);
      expect(handed.servableUntil(name)).toBeGreaterThanOrEqual(started);
      expect([bystander.total, bystander.servableUntil(name)]).toEqual([0, undefined]);

      // Another page of the request reading the same shares every answer: no call on it,
      // but it learns how long they serve; the first page keeps its count.
      const shared = new UpstreamCallCounts();
      await scope.run(() => firstChunk(source, shared));
      expect(wireCalls(wire)).toBe(made);
      expect(shared.of(name)).toBe(0);
      expect(shared.servableUntil(name)).toBeGreaterThanOrEqual(started);
      expect(handed.of(name)).toBe(made);

      // `event(id)` is handed no tally: what it calls counts for the request only.
      const event = chunk.events[0]!;
      const found = await scope.run(() => source.openSession().findEvent(decodeEventId(event.id)!.naturalId));
      expect(found?.id).toBe(event.id);
      expect(handed.of(name)).toBe(made);
      expect(scope.calls.of(name)).toBe(wireCalls(wire));
      expect([bystander.total, bystander.servableUntil(name)]).toEqual([0, undefined]);
    });
  }
});
