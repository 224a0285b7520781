import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { VendorRegistry } from '../../src/vendors/vendor-registry.js';
import { VENDORS } from '../../src/vendors/vendors.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

describe('the vendor list', () => {
  it.each(VENDORS.map((module) => [module.configKind, module] as const))('%s names a docs page that exists', (_kind, module) => {
    expect(existsSync(`${ROOT}${module.docs}`)).toBe(true);
  });

  it('refuses two modules with one configuration kind or one event kind', () => {
    const [first] = VENDORS;
    expect(() => new VendorRegistry([first, { ...first, eventKind: { name: 'OTHER', description: 'x' } }])).toThrow(/configuration kind "tencent-ccr"/);
    expect(() => new VendorRegistry([first, { ...first, configKind: 'other' }])).toThrow(/event kind TRIGGER/);
  });

  it('gives each vendor value once, and refuses one described two ways', () => {
    expect(new VendorRegistry(VENDORS).vendors.map((vendor) => vendor.name)).toEqual(['TENCENT_CLOUD', 'HUAWEI_CLOUD', 'BLUEKING']);
    const [first] = VENDORS;
    const twin = { ...first, configKind: 'other', eventKind: { name: 'OTHER', description: 'x' }, vendor: { ...first.vendor, description: 'y' } };
    expect(() => new VendorRegistry([first, twin])).toThrow(/described two ways/);
  });
});
