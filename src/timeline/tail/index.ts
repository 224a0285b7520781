export { SYSTEM_CLOCK, type TailClock, type TailTimer } from './tail-clock.js';
export { TailHub, type TailHubOptions, type TailRequest } from './tail-hub.js';
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
