export { SYSTEM_CLOCK, type TailClock, type TailTimer } from './tail-clock.js';
export { TailHub, type TailHubOptions, type TailRequest, type TailStats } from './tail-hub.js';
export {
  DEFAULT_INTERVAL_MS,
  DEFAULT_LOOKBACK_MS,
  JITTER,
  StreamPoller,
  type PollerListener,
  type PollerNotice,
  type StreamPollerOptions,
} from './tail-poller.js';
export { DEFAULT_MAX_BUFFERED, TailSubscription, type TailDroppedItem, type TailEventItem, type TailItem, type TailNoticeItem } from './tail-subscription.js';
export { TailFeed, type ReplayItem, type TailDelivery } from './tail-feed.js';
export { openTail, type TailOpenRequest } from './tail-open.js';
export { RELIST_MS, SourceTail, type SourceTailHost } from './tail-source.js';
