/**
 * Query-parameter checks of HSS `ListContainerImageLogs` (docs/vendors/huawei-hss.md). The documented
 * ranges are enforced (`limit` 0..200, `offset` 0..2,000,000, each string's maximum length);
 * where the page is silent the emulator chooses, and says so:
 * - numbers are plain decimal integers (no sign, fraction, exponent or spaces); a negative,
 *   a fraction or text is a 400, as a Java `Long`/`Integer` binding refuses them;
 * - a repeated parameter is a 400, since the service would bind only one of them;
 * - an empty string filter (`user_name=`) means "no filter";
 * - string lengths count Unicode code points;
 * - unknown parameters are ignored, as Huawei services do.
 */

export const HSS_MAX_LIMIT = 200;
export const HSS_DEFAULT_LIMIT = 10;
export const HSS_MAX_OFFSET = 2_000_000;

/** Maximum length of each string filter, from the API reference. */
export const HSS_STRING_LIMITS = {
  resource_name: 256,
  resource_type: 64,
  event_type: 64,
  event_name: 256,
  source_ip: 64,
  user_name: 64,
} as const;

export type HssStringParam = keyof typeof HSS_STRING_LIMITS;

export class HssParamError extends Error {}

export class HssQueryParams {
  private readonly values = new Map<string, string>();

  constructor(rawQuery: string) {
    for (const [key, value] of new URLSearchParams(rawQuery)) {
      if (this.values.has(key)) throw new HssParamError(`parameter ${key} is given more than once`);
      this.values.set(key, value);
    }
  }

  string(name: HssStringParam): string | undefined {
    const value = this.values.get(name);
    if (value === undefined || value === '') return undefined;
    const max = HSS_STRING_LIMITS[name];
    const length = [...value].length;
    if (length > max) throw new HssParamError(`${name} is ${length} characters long; the maximum is ${max}`);
    return value;
  }

  integer(name: string, options: { min?: number; max?: number } = {}): number | undefined {
    const raw = this.values.get(name);
    if (raw === undefined) return undefined;
    if (!/^\d+$/.test(raw)) throw new HssParamError(`${name} must be a non-negative integer, got "${raw}"`);
    const value = Number(raw);
    const min = options.min ?? 0;
    const max = options.max ?? Number.MAX_SAFE_INTEGER;
    if (!Number.isSafeInteger(value) || value < min || value > max) {
      throw new HssParamError(`${name} must be between ${min} and ${max}, got ${raw}`);
    }
    return value;
  }
}
