import { describe, expect, it } from 'vitest';
import { SEED_EXAMPLE_LOG } from '../../../src/emulators/tencent-ccr/tencent-ccr.dataset.js';
import { decodeEventId } from '../../../src/timeline/event-id.js';
import { invokeTimeToEpochMs, toTriggerEvent, TriggerLogNumbering } from '../../../src/vendors/tencent-ccr/tencent-ccr.mapper.js';
import { listTriggerLogSchema, type TriggerLog } from '../../../src/vendors/tencent-ccr/tencent-ccr.schemas.js';

const context = { sourceName: 'ccr', repoName: 'kubetest/kubetest', timeZone: 'Asia/Shanghai' };
const parse = (records: unknown[]): TriggerLog[] => listTriggerLogSchema.parse({ code: 0, data: { totalCount: records.length, logInfo: records } }).logs;

describe('the CCR trigger log mapper', () => {
  it('maps the API page example field by field', () => {
    const [log] = parse([SEED_EXAMPLE_LOG]);
    const event = toTriggerEvent(context, log!, new TriggerLogNumbering());
    expect(event).toEqual({
      id: event.id,
      kind: 'TRIGGER',
      vendor: 'TENCENT_CLOUD',
      sourceName: 'ccr',
      streamKey: 'ccr/kubetest/kubetest',
      occurredAt: Date.parse('2018-07-23T15:13:27.000Z'),
      outcome: 'SUCCESS',
      actor: null,
      resource: 'kubetest/kubetest:latest',
      summary: 'trigger_test on kubetest/kubetest:latest: SERVICE_UPDATE nginx-test (cls-666666/default) → ok',
      raw: SEED_EXAMPLE_LOG,
      triggerName: 'trigger_test',
      repoName: 'kubetest/kubetest',
      tagName: 'latest',
      invokeSource: 'IMAGE_PUSH',
      invokeAction: 'SERVICE_UPDATE',
      invokeTime: '2018-07-23 23:13:27',
      invokeCondition: { invokeMethod: 'regex', invokeExpr: 'test*', tagList: null },
      invokePara: {
        appId: '1254119589',
        serviceName: 'nginx-test',
        clusterId: 'cls-666666',
        namespace: 'default',
        containerName: 'nginx-test',
        clusterRegion: 1,
        clusterRegionName: 'Guangzhou',
      },
      invokeResult: { returnCode: 0, returnMsg: 'ok' },
    });
    expect(decodeEventId(event.id)!.naturalId.slice(0, 4)).toEqual(['kubetest/kubetest', '2018-07-23 23:13:27', 'trigger_test', 'latest']);
  });

  it('reads invokeTime in the configured zone', () => {
    expect(new Date(invokeTimeToEpochMs('2018-07-23 23:13:27', 'Asia/Shanghai')).toISOString()).toBe('2018-07-23T15:13:27.000Z');
    expect(new Date(invokeTimeToEpochMs('2018-07-23 23:13:27', 'UTC')).toISOString()).toBe('2018-07-23T23:13:27.000Z');
    expect(new Date(invokeTimeToEpochMs('2018-07-23 23:13:27', 'Asia/Kolkata')).toISOString()).toBe('2018-07-23T17:43:27.000Z');
  });

  it('lists taglist tags, names regions, and gives FAILURE for a non-zero returnCode', () => {
    const [log] = parse([
      {
        ...SEED_EXAMPLE_LOG,
        invokeCondition: { invokeMethod: 'taglist', invokeExpr: 'v1;v2; v3;' },
        invokePara: { ...SEED_EXAMPLE_LOG.invokePara, clusterRegion: 16 },
        invokeResult: { returnCode: 1002, returnMsg: 'service not found' },
      },
    ]);
    const event = toTriggerEvent(context, log!, new TriggerLogNumbering());
    expect(event.invokeCondition.tagList).toEqual(['v1', 'v2', 'v3']);
    expect(event.invokePara.clusterRegionName).toBe('Chengdu');
    expect(event.outcome).toBe('FAILURE');
    expect(event.summary).toContain('failed (1002): service not found');
    const regions = [1, 4, 5, 7, 8, 9, 16, 99].map((clusterRegion) => {
      const [l] = parse([{ ...SEED_EXAMPLE_LOG, invokePara: { ...SEED_EXAMPLE_LOG.invokePara, clusterRegion } }]);
      return toTriggerEvent(context, l!, new TriggerLogNumbering()).invokePara.clusterRegionName;
    });
    expect(regions).toEqual(['Guangzhou', 'Shanghai', 'Hong Kong', 'Shanghai Finance', 'Beijing', 'Singapore', 'Chengdu', null]);
  });

  it('gives identical records of one second distinct ids, and the same ids whatever their order', () => {
    const other = { ...SEED_EXAMPLE_LOG, tagName: 'v2' };
    const forward = parse([SEED_EXAMPLE_LOG, other, SEED_EXAMPLE_LOG]);
    const backward = parse([SEED_EXAMPLE_LOG, other, SEED_EXAMPLE_LOG].reverse());
    const ids = (logs: TriggerLog[]) => {
      const numbering = new TriggerLogNumbering();
      return logs.map((log) => toTriggerEvent(context, log, numbering).id);
    };
    const a = ids(forward);
    expect(new Set(a).size).toBe(3);
    expect(new Set(ids(backward))).toEqual(new Set(a));
    // key order does not change the digest
    const reordered = parse([Object.fromEntries(Object.entries(SEED_EXAMPLE_LOG).reverse())]);
    expect(ids(reordered)[0]).toBe(a[0]);
  });
});
