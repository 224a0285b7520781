import { registerEnumType } from 'type-graphql';
import { EventOutcome, SortDirection } from '../model/event.model.js';
import { CountMethod, HistogramGroup } from '../timeline/histogram/index.js';
import { SourceState } from '../timeline/timeline.js';

/** Every enum of the schema is registered here once, before any type uses it. */

/**
 * EventKind and Vendor have one value per vendor module, and the modules are not known here:
 * they are registered with a stand-in value (type-graphql refuses an empty enum), and
 * `buildEventgraphSchema` replaces both types with the registry's values.
 */
export const EventKindEnum: Record<string, string> = { VENDOR_MODULES: 'VENDOR_MODULES' };
export const VendorEnum: Record<string, string> = { VENDOR_MODULES: 'VENDOR_MODULES' };
export const EVENT_KIND_DESCRIPTION = 'Which upstream log an event comes from: one per vendor module.';
export const VENDOR_DESCRIPTION = 'Who runs the upstream.';
registerEnumType(EventKindEnum, { name: 'EventKind', description: EVENT_KIND_DESCRIPTION });
registerEnumType(VendorEnum, { name: 'Vendor', description: VENDOR_DESCRIPTION });

registerEnumType(EventOutcome, {
  name: 'EventOutcome',
  description: 'Whether what the event records worked, normalised per vendor (see each type for its rule).',
  valuesConfig: {
    SUCCESS: { description: 'It worked.' },
    FAILURE: { description: 'It failed.' },
    UNKNOWN: { description: 'The upstream does not say.' },
  },
});
registerEnumType(SortDirection, {
  name: 'SortDirection',
  description: 'By `occurredAt`; DESC is newest first.',
  valuesConfig: { ASC: { description: 'Oldest first.' }, DESC: { description: 'Newest first.' } },
});
registerEnumType(SourceState, {
  name: 'SourceState',
  description: 'How a source fared in one page of `events`.',
  valuesConfig: {
    OK: { description: 'Every stream answered.' },
    PARTIAL: { description: "Some streams failed; the others' events are in the page." },
    FAILED: { description: 'Nothing came back from this source.' },
    SKIPPED: { description: 'The filter rules the source out: no upstream call was made for it.' },
  },
});

registerEnumType(HistogramGroup, {
  name: 'HistogramGroup',
  description: 'What `eventHistogram` counts separately: one series per combination of the chosen labels.',
  valuesConfig: {
    KIND: { description: 'By event kind.' },
    VENDOR: { description: 'By vendor.' },
    SOURCE: { description: 'By configured source.' },
    OUTCOME: { description: 'By outcome (SUCCESS, FAILURE, UNKNOWN).' },
  },
});
registerEnumType(CountMethod, {
  name: 'CountMethod',
  description: 'How `eventHistogram` counted a stream of a source: whichever cost fewer upstream calls.',
  valuesConfig: {
    TOTALS: { description: "One upstream total per bucket, under the bucket's time window." },
    SCAN: { description: 'Its events in the range were read and counted by eventgraph.' },
    CACHED: { description: 'Every bucket was settled and kept from an earlier request: no upstream call.' },
  },
});

export { CountMethod, EventOutcome, HistogramGroup, SortDirection, SourceState };
