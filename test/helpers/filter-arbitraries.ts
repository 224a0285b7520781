import fc from 'fast-check';
import { SOURCE_NAMES, type Kind, type OracleEvent, type Outcome } from './timeline-oracle.js';

/* What the property tests draw filters from: the values the oracle's data can hold. */

export const KINDS: Kind[] = ['DEPLOYMENT', 'TRIGGER', 'IMAGE', 'SECRET_NOTIFICATION', 'AUDIT'];
export const VENDORS: OracleEvent['vendor'][] = ['TENCENT_CLOUD', 'HUAWEI_CLOUD', 'BLUEKING'];
export const OUTCOMES: Outcome[] = ['SUCCESS', 'FAILURE', 'UNKNOWN'];
export const SOURCES = Object.values(SOURCE_NAMES);

/** Mostly absent (`weight` to 1): a filter with every field set would almost always select nothing. */
export const sometimes = <T>(arbitrary: fc.Arbitrary<T>, weight = 4) => fc.oneof({ arbitrary: fc.constant(undefined), weight }, { arbitrary, weight: 1 });
