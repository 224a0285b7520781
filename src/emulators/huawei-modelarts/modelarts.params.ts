/**
 * Query-parameter parsing with ModelArts' strictness. The API page gives types and defaults
 * but no limits; the choices the emulator makes where it is silent:
 * - numbers are plain non-negative decimal integers (no sign, fraction, exponent or spaces),
 *   up to Number.MAX_SAFE_INTEGER; anything else is 400;
 * - `limit` is 1..MAX_PAGE_LIMIT (1000, the documented default, is also the maximum);
 * - an enum value outside the documented set is 400, and so is a repeated parameter;
 * - an empty string filter (`service_name=`) means "no filter", but an empty number or enum
 *   is 400, so a client that forgets to fill one in is told;
 * - unknown parameters are ignored, as Huawei services do.
 */

export const MAX_PAGE_LIMIT = 1000;
export const DEFAULT_PAGE_LIMIT = 1000;

export class ParamError extends Error {}

export class QueryParams {
  private readonly values = new Map<string, string>();

  constructor(rawQuery: string) {
    for (const [key, value] of new URLSearchParams(rawQuery)) {
      if (this.values.has(key)) throw new ParamError(`parameter ${key} is given more than once`);
      this.values.set(key, value);
    }
  }

  string(name: string): string | undefined {
    const value = this.values.get(name);
    return value === undefined || value === '' ? undefined : value;
  }

  integer(name: string, options: { min?: number; max?: number } = {}): number | undefined {
    const raw = this.values.get(name);
    if (raw === undefined) return undefined;
    if (!/^\d+$/.test(raw)) throw new ParamError(`${name} must be a non-negative integer, got "${raw}"`);
    const value = Number(raw);
    const min = options.min ?? 0;
    const max = options.max ?? Number.MAX_SAFE_INTEGER;
    if (!Number.isSafeInteger(value) || value < min || value > max) {
      throw new ParamError(`${name} must be between ${min} and ${max}, got ${raw}`);
    }
    return value;
  }

  oneOf<T extends string>(name: string, allowed: readonly T[]): T | undefined {
    const raw = this.values.get(name);
    if (raw === undefined) return undefined;
    if (!(allowed as readonly string[]).includes(raw)) {
      throw new ParamError(`${name} must be one of ${allowed.join(', ')}, got "${raw}"`);
    }
    return raw as T;
  }
}
