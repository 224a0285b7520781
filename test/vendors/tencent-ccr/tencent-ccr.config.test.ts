import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../../src/config/config.loader.js';
import { CONFIG_SCHEMA } from '../../helpers/config-schema.js';

const source = (extra: Record<string, unknown> = {}) => ({
  name: 'ccr',
  kind: 'tencent-ccr',
  credentials: { secretId: 'AKID', secretKey: 'key' },
  scope: { region: 'ap-guangzhou', repositories: ['a/b'] },
  ...extra,
});

describe('tencent-ccr configuration', () => {
  it('defaults the endpoint, zone, signature method and HTTP method', () => {
    const config = parseConfig({ sources: [source()] }, 'test.yaml', CONFIG_SCHEMA);
    expect(config.sources[0]).toMatchObject({
      endpoint: 'https://ccr.api.qcloud.com',
      timeZone: 'Asia/Shanghai',
      signatureMethod: 'HmacSHA256',
      httpMethod: 'GET',
    });
  });

  it('names the key of a bad time zone, signature method or repository list', () => {
    const problems = (extra: Record<string, unknown>) => {
      try {
        parseConfig({ sources: [source(extra)] }, 'test.yaml', CONFIG_SCHEMA);
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError);
        return (error as Error).message;
      }
      throw new Error('expected a ConfigError');
    };
    expect(problems({ timeZone: 'Asia/Beijing' })).toMatch(/sources\[0\]\.timeZone: must be an IANA time zone such as Asia\/Shanghai$/);
    expect(problems({ signatureMethod: 'HmacMD5' })).toMatch(/sources\[0\]\.signatureMethod/);
    expect(problems({ scope: { region: 'ap-guangzhou', repositories: ['a/b', 'a/b'] } })).toMatch(/sources\[0\]\.scope\.repositories: must not name a repository twice/);
    expect(problems({ scope: { region: 'ap-guangzhou', repositories: [] } })).toMatch(/sources\[0\]\.scope\.repositories/);
  });

  it('accepts another zone and a temporary key', () => {
    const config = parseConfig({ sources: [source({ timeZone: 'Europe/Berlin', credentials: { secretId: 'AKID', secretKey: 'k', token: 't' } })] }, 'x', CONFIG_SCHEMA);
    expect(config.sources[0]).toMatchObject({ timeZone: 'Europe/Berlin', credentials: { token: 't' } });
  });
});
