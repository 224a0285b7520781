import { describe, expect, it } from 'vitest';
import { legacySignature, legacyStringToSign, NonceStore } from '../../src/emulators/tencent-ccr/tencent-ccr.verifier.js';

const KEY = 'Gu5t9xGARNpq86cd98joQYCN3Cozk1qA';
const params = (method: string) =>
  new Map([
    ['Action', 'DescribeInstances'],
    ['InstanceIds_0', 'ins-09dx96dg'],
    ['Nonce', '11886'],
    ['Region', 'ap-guangzhou'],
    ['SecretId', 'AKIDz8krbsJ5yKBZQpn74WFkmLPx3gnPhESA'],
    ['SignatureMethod', method],
    ['Timestamp', '1465185768'],
    ['Signature', 'ignored'],
  ]);

describe('the emulator\'s legacy signature verifier', () => {
  it('builds the documented string to sign (sorted, raw values, _ as ., no Signature)', () => {
    expect(legacyStringToSign('GET', 'cvm.api.qcloud.com', '/v2/index.php', params('HmacSHA256'))).toBe(
      'GETcvm.api.qcloud.com/v2/index.php?Action=DescribeInstances&InstanceIds.0=ins-09dx96dg&Nonce=11886&Region=ap-guangzhou&SecretId=AKIDz8krbsJ5yKBZQpn74WFkmLPx3gnPhESA&SignatureMethod=HmacSHA256&Timestamp=1465185768',
    );
  });

  it('reproduces both documentation vectors', () => {
    const sha256 = legacyStringToSign('GET', 'cvm.api.qcloud.com', '/v2/index.php', params('HmacSHA256'));
    expect(legacySignature(sha256, KEY, 'HmacSHA256')).toBe('0EEm/HtGRr/VJXTAD9tYMth1Bzm3lLHz5RCDv1GdM8s=');
    const sha1 = legacyStringToSign('GET', 'cvm.api.qcloud.com', '/v2/index.php', params('HmacSHA1'));
    expect(legacySignature(sha1, KEY, 'HmacSHA1')).toBe('nPVnY6njQmwQ8ciqbPl5Qe+Oru4=');
  });

  it('refuses a nonce seen within the window, per SecretId, and forgets it after', () => {
    const store = new NonceStore(1000);
    expect(store.accept('a', '1', 0)).toBe(true);
    expect(store.accept('a', '1', 500)).toBe(false);
    expect(store.accept('b', '1', 500)).toBe(true);
    expect(store.accept('a', '1', 2000)).toBe(true);
  });
});
