import { GraphQLError, GraphQLScalarType, Kind, type ValueNode } from 'graphql';
import { DateTimeResolver } from 'graphql-scalars';

/**
 * An instant as a client may write it: an ISO-8601 date-time, or epoch milliseconds as a
 * number or a numeric string. The second and third are what Grafana sends for a panel's
 * range (`${__from}`, `${__to}`), so a dashboard can pass its range straight through.
 * Answers are never of this type: instants come back as DateTime.
 */
export const TimestampScalar = new GraphQLScalarType<Date, string>({
  name: 'Timestamp',
  description:
    'An instant: an ISO-8601 date-time with a zone ("2026-05-01T12:00:00Z", "2026-05-01T14:00:00+02:00"), or milliseconds since 1970-01-01T00:00:00Z as a number (1777636800000) or a numeric string ("1777636800000"), as Grafana sends ${__from} and ${__to}.',
  serialize: (value) => DateTimeResolver.serialize(value) as unknown as string,
  parseValue: (value) => parseTimestamp(value),
  parseLiteral: (node) => parseTimestamp(literalValue(node)),
  specifiedByURL: 'https://datatracker.ietf.org/doc/html/rfc3339',
});

/** Epoch ms a Date can hold exactly and a vendor can store: years 0 to 9999. */
const MIN_MS = Date.UTC(0, 0, 1);
const MAX_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);
const EPOCH_MS_TEXT = /^-?\d{1,16}$/;

function parseTimestamp(value: unknown): Date {
  if (typeof value === 'number') return fromEpochMs(value);
  if (typeof value === 'string') {
    const text = value.trim();
    if (EPOCH_MS_TEXT.test(text)) return fromEpochMs(Number(text));
    try {
      return DateTimeResolver.parseValue(text) as Date;
    } catch {
      throw invalid('must be an ISO-8601 date-time with a zone, or epoch milliseconds');
    }
  }
  throw invalid('must be a string or a number');
}

function fromEpochMs(ms: number): Date {
  if (!Number.isInteger(ms)) throw invalid('epoch milliseconds must be a whole number');
  if (ms < MIN_MS || ms > MAX_MS) throw invalid('epoch milliseconds out of range (years 0 to 9999)');
  return new Date(ms);
}

/** An Int literal keeps its digits, whatever their size: epoch ms do not fit GraphQL's Int. */
function literalValue(node: ValueNode): unknown {
  if (node.kind === Kind.INT || node.kind === Kind.FLOAT) return Number(node.value);
  if (node.kind === Kind.STRING) return node.value;
  throw invalid('must be a string or a number');
}

function invalid(message: string): GraphQLError {
  return new GraphQLError(`Timestamp ${message}`);
}
