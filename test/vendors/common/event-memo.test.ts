import { describe, expect, it } from 'vitest';
import { EventKind, EventOutcome, Vendor, type EventRecord } from '../../../src/model/event.model.js';
import { oncePerRecord, PageMemo, TwinNumbering } from '../../../src/vendors/common/event-memo.js';

interface Row {
  at: number;
  text: string;
}

class RowNumbering extends TwinNumbering<Row> {
  constructor() {
    super(
      (row) => row.at,
      (row) => row.text,
    );
  }
}

const eventOf = (row: Row, numbering: RowNumbering): EventRecord => {
  const { n } = numbering.number(row);
  return {
    id: `${row.at}/${row.text}/${n}`,
    kind: 'AUDIT',
    vendor: 'BLUEKING',
    sourceName: 's',
    streamKey: 's/x',
    occurredAt: row.at,
    outcome: EventOutcome.SUCCESS,
    actor: null,
    resource: null,
    summary: row.text,
    raw: row,
  } as EventRecord;
};

describe('mapping memos', () => {
  it('numbers twins within an instant, and starts again at the next one', () => {
    const numbering = new RowNumbering();
    const rows = [
      { at: 1, text: 'a' },
      { at: 1, text: 'a' },
      { at: 1, text: 'b' },
      { at: 2, text: 'a' },
    ];
    expect(rows.map((row) => eventOf(row, numbering).id)).toEqual(['1/a/0', '1/a/1', '1/b/0', '2/a/0']);
  });

  it('maps a page served again once, and the page after it numbers on as if it had been mapped', () => {
    const memo = new PageMemo<Row[], EventRecord, RowNumbering>();
    const first = [
      { at: 1, text: 'a' },
      { at: 2, text: 'a' },
    ];
    const second = [
      { at: 2, text: 'a' },
      { at: 3, text: 'a' },
    ];
    let builds = 0;
    const read = () => {
      let numbering = new RowNumbering();
      const ids: string[] = [];
      for (const page of [first, second]) {
        const mapped = memo.map(page, 'v', numbering, () => {
          builds += 1;
          return page.map((row) => eventOf(row, numbering));
        });
        numbering = mapped.numbering;
        ids.push(...mapped.events.map((event) => event.id));
      }
      return ids;
    };
    const cold = read();
    expect(cold).toEqual(['1/a/0', '2/a/0', '2/a/1', '3/a/0']);
    expect(builds).toBe(2);
    // The first page comes from the memo; the second is mapped again (its numbering was not
    // fresh), from the numbering the memo kept, so the twin at 2 is still number 1.
    expect(read()).toEqual(cold);
    expect(builds).toBe(3);
    expect(Object.isFrozen(memo.map(first, 'v', new RowNumbering(), () => []).events)).toBe(true);
  });

  it('maps again when what the events depend on besides the page changed', () => {
    const memo = new PageMemo<Row[], EventRecord, RowNumbering>();
    const page = [{ at: 1, text: 'a' }];
    const a = memo.map(page, 'name A', new RowNumbering(), () => [{ ...eventOf(page[0]!, new RowNumbering()), summary: 'A' }]);
    const b = memo.map(page, 'name B', new RowNumbering(), () => [{ ...eventOf(page[0]!, new RowNumbering()), summary: 'B' }]);
    expect(a.events[0]!.summary).toBe('A');
    expect(b.events[0]!.summary).toBe('B');
  });

  it('computes a per-record value once per record object', () => {
    let calls = 0;
    const digest = oncePerRecord((row: Row) => {
      calls += 1;
      return row.text.toUpperCase();
    });
    const row = { at: 1, text: 'a' };
    expect([digest(row), digest(row), digest({ ...row })]).toEqual(['A', 'A', 'A']);
    expect(calls).toBe(2);
  });
});
