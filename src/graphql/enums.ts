import { registerEnumType } from 'type-graphql';
import { EventKind, EventOutcome, SortDirection, Vendor } from '../model/event.model.js';
import { SourceState } from '../timeline/timeline.js';

/** Every enum of the schema is registered here once, before any type uses it. */
registerEnumType(EventKind, { name: 'EventKind', description: 'Which upstream log an event comes from.' });
registerEnumType(Vendor, { name: 'Vendor' });
registerEnumType(EventOutcome, {
  name: 'EventOutcome',
  description: 'Whether what the event records worked, normalised per vendor (see each type for its rule).',
});
registerEnumType(SortDirection, { name: 'SortDirection', description: 'By `occurredAt`; DESC is newest first.' });
registerEnumType(SourceState, { name: 'SourceState', description: 'How a source fared in one page of `events`.' });

export { EventKind, EventOutcome, SortDirection, SourceState, Vendor };
