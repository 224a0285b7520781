import { Writable } from 'node:stream';

/** One JSON line pino wrote, parsed. */
export type LogLine = Record<string, unknown> & { level: number; msg?: string; reqId?: string };

/**
 * A stream to hand `createLogger({ destination })`: it keeps every line pino writes, raw
 * (to search the whole output for what must never be in it) and parsed (to assert on fields).
 */
export interface LogCapture {
  readonly destination: Writable;
  /** Every line so far, parsed; a line that is not JSON fails the test that reads it. */
  lines(): LogLine[];
  /** Everything written, as written. */
  text(): string;
  /** Resolves with the lines once `predicate` holds for them; rejects after `timeoutMs`. */
  waitFor(predicate: (lines: LogLine[]) => boolean, timeoutMs?: number): Promise<LogLine[]>;
  /** The one `request` line of the request with this id, once it is written. */
  requestLine(reqId: string, timeoutMs?: number): Promise<LogLine>;
}

export function captureLog(): LogCapture {
  let raw = '';
  const destination = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      raw += chunk.toString();
      callback();
    },
  });
  const lines = () =>
    raw
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as LogLine);
  const waitFor = async (predicate: (all: LogLine[]) => boolean, timeoutMs = 3_000) => {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const all = lines();
      if (predicate(all)) return all;
      if (Date.now() > until) throw new Error(`log lines never matched; got:\n${raw}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  };
  return {
    destination,
    lines,
    text: () => raw,
    waitFor,
    async requestLine(reqId, timeoutMs) {
      const all = await waitFor((each) => each.some((line) => line.msg === 'request' && line.reqId === reqId), timeoutMs);
      return all.find((line) => line.msg === 'request' && line.reqId === reqId)!;
    },
  };
}
