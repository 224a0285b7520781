import { describe, expect, it } from 'vitest';
import { expandString, interpolateEnv } from '../../src/config/config.interpolate.js';

describe('expandString', () => {
  const env = { A: 'a', EMPTY: '', N: '42' };

  it('marks a string that is exactly one placeholder as whole, and nothing else', () => {
    expect(expandString('${N}', env)).toMatchObject({ value: '42', whole: 'N', variables: ['N'] });
    expect(expandString('${MISSING:-7}', env)).toMatchObject({ value: '7', whole: 'MISSING' });
    expect(expandString('${N}${N}', env).whole).toBeUndefined();
    expect(expandString(' ${N}', env).whole).toBeUndefined();
    expect(expandString('${N}x', env).whole).toBeUndefined();
    expect(expandString('$${N}', env)).toMatchObject({ value: '${N}', variables: [] });
  });

  it('reads only $${ as an escape', () => {
    expect(expandString('$$${A}', env).value).toBe('$${A}');
    expect(expandString('$A $ {A} $', env).value).toBe('$A $ {A} $');
  });

  it('allows an empty default and takes the default text literally', () => {
    expect(expandString('${MISSING:-}', env).value).toBe('');
    expect(expandString('${EMPTY:-d}', env).value).toBe('d');
    expect(expandString('${MISSING:-a:-b $x}', env).value).toBe('a:-b $x');
  });

  it('does not nest placeholders', () => {
    expect(expandString('${MISSING:-${A}}', env).problems).toEqual([
      'the default of ${MISSING:-...} contains "${": placeholders do not nest',
    ]);
  });
});

describe('interpolateEnv', () => {
  it('leaves keys, numbers, booleans and null alone', () => {
    const doc = { '${A}': 1, b: [true, null, 2.5, '${A}'] };
    expect(interpolateEnv(doc, { A: 'x' }).value).toEqual({ '${A}': 1, b: [true, null, 2.5, 'x'] });
  });

  it('keeps a __proto__ key an ordinary key of the copy', () => {
    const doc: unknown = JSON.parse('{"__proto__": {"polluted": "${A}"}}');
    const { value } = interpolateEnv(doc, { A: 'x' });
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.keys(value as object)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
