import { DateTimeResolver } from 'graphql-scalars';
import { describe, expect, it } from 'vitest';
import { EventOutcome } from '../../../src/model/event.model.js';
import { decodeEventId } from '../../../src/timeline/event-id.js';
import { EventNumbering, eventTypeFor, outcomeOf, toDeploymentEvent } from '../../../src/vendors/huawei-modelarts/modelarts.mapper.js';

const service = { sourceName: 'ma', projectId: 'p', serviceId: 's-1', serviceName: 'zcjtest-07085' };

describe('ModelArts mapping', () => {
  it('reads occur_time as epoch ms and serialises it as ISO-8601 UTC with milliseconds', () => {
    const event = toDeploymentEvent(service, { occur_time: 1562597251764, event_type: 'normal', event_info: 'start' }, new EventNumbering());
    expect(event.occurredAt).toBe(1562597251764);
    expect(JSON.parse(JSON.stringify(DateTimeResolver.serialize(event.occurredAt)))).toBe('2019-07-08T14:47:31.764Z');
    expect(JSON.parse(JSON.stringify(DateTimeResolver.serialize(1562597251000)))).toBe('2019-07-08T14:47:31.000Z');
  });

  it('maps normal to SUCCESS, abnormal to FAILURE, anything else to UNKNOWN, and back', () => {
    expect([outcomeOf('normal'), outcomeOf('abnormal'), outcomeOf('weird')]).toEqual([
      EventOutcome.SUCCESS,
      EventOutcome.FAILURE,
      EventOutcome.UNKNOWN,
    ]);
    expect(eventTypeFor(undefined)).toBeNull();
    expect(eventTypeFor([EventOutcome.SUCCESS, EventOutcome.FAILURE])).toBeNull();
    expect(eventTypeFor([EventOutcome.FAILURE])).toBe('abnormal');
    expect(eventTypeFor([EventOutcome.UNKNOWN])).toBe('none');
  });

  it('numbers identical records in one millisecond apart, and restarts each millisecond', () => {
    const numbering = new EventNumbering();
    const same = { occur_time: 5, event_type: 'normal', event_info: 'x' };
    const ids = [same, { ...same, event_info: 'y' }, same, { ...same, occur_time: 6 }].map(
      (raw) => decodeEventId(toDeploymentEvent(service, raw, numbering).id)!.naturalId,
    );
    expect(ids.map((id) => id.at(-1))).toEqual([0, 0, 1, 0]);
    expect(new Set(ids.map((id) => JSON.stringify(id))).size).toBe(4);
    expect(decodeEventId(toDeploymentEvent(service, same, new EventNumbering()).id)).toEqual({ sourceName: 'ma', naturalId: ids[0] });
  });
});
