import { createHash } from 'node:crypto';
import { IANAZone, type Zone } from 'luxon';
import { EventOutcome } from '../../model/event.model.js';
import { TENCENT_CLOUD, TRIGGER_KIND, type TriggerEventRecord } from './trigger-event.record.js';
import { encodeEventId } from '../../timeline/event-id.js';
import { oncePerRecord, TwinNumbering } from '../common/event-memo.js';
import { parseWallClock, wallClockToEpochMs } from '../common/wall-clock.js';
import { INVOKE_TIME, type TriggerLog } from './tencent-ccr.schemas.js';

/** `invokePara.clusterRegion` numbers, as the API page lists them. */
export const CLUSTER_REGION_NAMES: Readonly<Record<number, string>> = Object.freeze({
  1: 'Guangzhou',
  4: 'Shanghai',
  5: 'Hong Kong',
  7: 'Shanghai Finance',
  8: 'Beijing',
  9: 'Singapore',
  16: 'Chengdu',
});

/**
 * `invokeTime` carries no zone; it is read in the source's zone (Asia/Shanghai unless
 * configured). A time that a daylight-saving change skips is moved forward and an ambiguous
 * one takes the earlier offset (luxon's rules); China has had no DST since 1991.
 */
export function invokeTimeToEpochMs(invokeTime: string, timeZone: string): number {
  const time = INVOKE_TIME.test(invokeTime) ? parseWallClock(invokeTime) : null;
  const at = time && wallClockToEpochMs(time, zoneNamed(timeZone));
  if (at == null) throw new RangeError(`invokeTime "${invokeTime}" cannot be read in ${timeZone}: not a date and time of the calendar`);
  return at;
}

const zones = new Map<string, Zone>();

/** Configured zones are few and already validated; luxon's zone objects are kept per name. */
function zoneNamed(name: string): Zone {
  let zone = zones.get(name);
  if (!zone) {
    zone = IANAZone.create(name);
    zones.set(name, zone);
  }
  return zone;
}

/** returnCode 0 is success (as the vendor API page documents); anything else is a failure. */
export function outcomeOf(returnCode: number): EventOutcome {
  return returnCode === 0 ? EventOutcome.SUCCESS : EventOutcome.FAILURE;
}

export function streamKeyOf(sourceName: string, repoName: string): string {
  return `${sourceName}/${repoName}`;
}

/** JSON with sorted keys at every level, so that a digest does not depend on key order. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

const digestOf = oncePerRecord((log: TriggerLog) => createHash('sha1').update(canonicalJson(log.raw)).digest('hex').slice(0, 12));

/**
 * Trigger logs have no id. Ours is (repository, invokeTime, trigger, tag, a digest of the
 * whole record, n), where n counts identical records within the same second, in the order
 * they are read. Only identical records share a digest, so which twin gets which n does not
 * matter, and a scan that starts at the first record of a second (which the stream always
 * does) numbers them the same way on every page and in `event(id)`.
 */
export class TriggerLogNumbering extends TwinNumbering<TriggerLog> {
  constructor() {
    super((log) => log.record.invokeTime, digestOf);
  }

  next(log: TriggerLog): [string, string, string, string, string, number] {
    const { repoName, invokeTime, triggerName, tagName } = log.record;
    const { digest, n } = this.number(log);
    return [repoName, invokeTime, triggerName, tagName, digest, n];
  }
}

export interface TriggerContext {
  sourceName: string;
  /** The repository that was asked for: it names the stream. */
  repoName: string;
  timeZone: string;
}

export function toTriggerEvent(context: TriggerContext, log: TriggerLog, numbering: TriggerLogNumbering): TriggerEventRecord {
  const r = log.record;
  const method = r.invokeCondition?.invokeMethod ?? '';
  const expr = r.invokeCondition?.invokeExpr ?? '';
  const para = r.invokePara;
  const region = para?.clusterRegion ?? null;
  const returnCode = r.invokeResult.returnCode;
  const returnMsg = r.invokeResult.returnMsg ?? null;
  const target = [para?.serviceName, para?.clusterId && para?.namespace ? `(${para.clusterId}/${para.namespace})` : para?.clusterId]
    .filter((part) => part)
    .join(' ');
  const result = returnCode === 0 ? (returnMsg || 'ok') : `failed (${returnCode})${returnMsg ? `: ${returnMsg}` : ''}`;
  return {
    id: encodeEventId(context.sourceName, numbering.next(log)),
    kind: TRIGGER_KIND.name,
    vendor: TENCENT_CLOUD.name,
    sourceName: context.sourceName,
    streamKey: streamKeyOf(context.sourceName, context.repoName),
    occurredAt: invokeTimeToEpochMs(r.invokeTime, context.timeZone),
    outcome: outcomeOf(returnCode),
    actor: null,
    resource: `${r.repoName}:${r.tagName}`,
    summary: `${r.triggerName} on ${r.repoName}:${r.tagName}: ${r.invokeAction ?? 'SERVICE_UPDATE'}${target ? ` ${target}` : ''} → ${result}`,
    raw: log.raw,
    triggerName: r.triggerName,
    repoName: r.repoName,
    tagName: r.tagName,
    invokeSource: r.invokeSource ?? '',
    invokeAction: r.invokeAction ?? '',
    invokeTime: r.invokeTime,
    invokeCondition: {
      invokeMethod: method,
      invokeExpr: expr,
      tagList: method === 'taglist' ? expr.split(';').map((tag) => tag.trim()).filter((tag) => tag !== '') : null,
    },
    invokePara: {
      appId: para?.appId ?? null,
      serviceName: para?.serviceName ?? null,
      clusterId: para?.clusterId ?? null,
      namespace: para?.namespace ?? null,
      containerName: para?.containerName ?? null,
      clusterRegion: region,
      clusterRegionName: region === null ? null : (CLUSTER_REGION_NAMES[region] ?? null),
    },
    invokeResult: { returnCode, returnMsg },
  };
}
