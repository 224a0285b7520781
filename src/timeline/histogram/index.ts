export { bucketGrid, MAX_BUCKETS, ROUND_STEPS_MS, type BucketGrid } from './bucket-grid.js';
export { HistogramCounter, HistogramGroup, SETTLE_MS, SETTLED_TTL_MS, type Histogram, type HistogramRequest, type HistogramRow, type HistogramSeries, type HistogramSourceReport } from './histogram.js';
export { CountMethod } from './stream-count.js';
