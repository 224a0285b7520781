import type { SecretNotificationEventRecord } from './secret-notification-event.record.js';
import { createTimeToMs, RecordNumbering, toSecretNotificationEvent } from './csms.mapper.js';
import type { CsmsRecord, CsmsRecords } from './csms.schemas.js';

interface MappedGroup {
  /** In the order of the answer. */
  inAnswerOrder: SecretNotificationEventRecord[];
  /** By id: with the groups ascending, the order of the timeline, (occurredAt, id). */
  byId: SecretNotificationEventRecord[];
}

/**
 * One answer of the API, mapped lazily, one millisecond at a time.
 *
 * The answer holds up to 1000 records, a page needs about 50, and mapping a record (a sha1
 * digest, the content's JSON parsed, an id encoded) costs far more than reading its time.
 * So the records are only grouped by millisecond up front, which orders and counts them;
 * a group is mapped the first time a reader needs it, and kept for the snapshot's life.
 *
 * Mapping per millisecond issues the ids that mapping the whole answer would: twins (identical
 * records, numbered in answer order by `RecordNumbering`) have the same time, so they always
 * fall in the same group, and a group keeps the answer's order.
 */
export class CsmsSnapshot {
  /** The distinct milliseconds of the records, ascending. */
  private readonly times: number[];
  /** The records of each millisecond of `times`, in the order of the answer. */
  private readonly groups: CsmsRecord[][];
  /** How many records lie before each group (one more entry: the whole count). */
  private readonly before: number[];
  private readonly mapped: (MappedGroup | undefined)[];
  private all: SecretNotificationEventRecord[] | undefined;

  constructor(
    private readonly sourceName: string,
    readonly answer: CsmsRecords,
  ) {
    const byTime = new Map<number, CsmsRecord[]>();
    for (const record of answer.records) {
      const at = createTimeToMs(record.create_time);
      const group = byTime.get(at);
      if (group) group.push(record);
      else byTime.set(at, [record]);
    }
    this.times = [...byTime.keys()].sort((a, b) => a - b);
    this.groups = this.times.map((at) => byTime.get(at)!);
    this.before = [0];
    for (const group of this.groups) this.before.push(this.before[this.before.length - 1]! + group.length);
    this.mapped = new Array<MappedGroup | undefined>(this.groups.length);
  }

  /** Every event, in the order of the answer. Maps the whole answer: for the native query. */
  get events(): SecretNotificationEventRecord[] {
    if (!this.all) {
      const taken = new Map<number, number>();
      this.all = this.answer.records.map((record) => {
        const group = this.groupAt(createTimeToMs(record.create_time));
        const index = taken.get(group) ?? 0;
        taken.set(group, index + 1);
        return this.group(group).inAnswerOrder[index]!;
      });
    }
    return this.all;
  }

  /** The groups within [since, until] (inclusive, epoch ms), as the range [start, end). */
  groupsWithin(since: number | undefined, until: number): [start: number, end: number] {
    const start = since === undefined ? 0 : this.firstGroup((at) => at >= since);
    return [start, Math.max(start, this.firstGroup((at) => at > until))];
  }

  /** How many records the groups [start, end) hold, without mapping them. */
  count(start: number, end: number): number {
    return this.before[end]! - this.before[start]!;
  }

  /** The events of one group, ascending by id. */
  eventsOf(group: number): readonly SecretNotificationEventRecord[] {
    return this.group(group).byId;
  }

  /** The event of this id, mapping only the millisecond `at` the id names. */
  find(id: string, at: number): SecretNotificationEventRecord | null {
    const group = this.groupAt(at);
    if (group < 0) return null;
    return this.group(group).byId.find((event) => event.id === id) ?? null;
  }

  /** The index of the group of millisecond `at`, or -1. */
  private groupAt(at: number): number {
    const group = this.firstGroup((time) => time >= at);
    return this.times[group] === at ? group : -1;
  }

  /** The first group whose time passes `test`, which is false then true along `times`. */
  private firstGroup(test: (at: number) => boolean): number {
    let lo = 0;
    let hi = this.times.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (test(this.times[mid]!)) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  private group(index: number): MappedGroup {
    let mapped = this.mapped[index];
    if (!mapped) {
      // A numbering per group numbers twins as one over the whole answer would: see above.
      const numbering = new RecordNumbering();
      const inAnswerOrder = this.groups[index]!.map((record) => toSecretNotificationEvent(this.sourceName, record, numbering));
      const byId = [...inAnswerOrder].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      mapped = { inAnswerOrder, byId };
      this.mapped[index] = mapped;
    }
    return mapped;
  }
}
