import { describe, expect, it } from 'vitest';
import { matchesResourcePattern, pushableResourcePrefix } from '../../../src/vendors/bkrepo/bkrepo.resource-key.js';

describe('bk-repo resourceKey patterns', () => {
  it('matches a prefix where * spans anything and nothing anchors the end', () => {
    expect(matchesResourcePattern('/a/*.jar', '/a/x.jarx')).toBe(true);
    expect(matchesResourcePattern('/a/*.jar', '/a/b/c.jar')).toBe(true);
    expect(matchesResourcePattern('/a/*.jar', '/b/x.jar')).toBe(false);
    expect(matchesResourcePattern('/', '/release/1.0.0/boot-example.jar')).toBe(true);
    expect(matchesResourcePattern('/', 'generic-local')).toBe(false);
    expect(matchesResourcePattern('*', 'generic-local')).toBe(true);
    expect(matchesResourcePattern('/a+b', '/a+b/c')).toBe(true);
  });

  it('never sends a user resource as a pattern: it is cut before the first special character', () => {
    expect(pushableResourcePrefix('/release/1.0.0/boot-example.jar', '/')).toBe('/release/1.0.0/boot-example.jar');
    expect(pushableResourcePrefix('/weird/*name.jar', '/')).toBe('/weird/');
    expect(pushableResourcePrefix('/c++/(x).tgz', '/')).toBe('/c');
    expect(pushableResourcePrefix('*literal', '/release/')).toBe('/release/');
  });
});
