import { describe, expect, it } from 'vitest';
import { sign, signRequest, stringToSign } from '../../../src/vendors/tencent-ccr/tencent-ccr.signer.js';
import { QcloudApiClass, qcloud } from '../../helpers/tencent.js';

const KEY = 'Gu5t9xGARNpq86cd98joQYCN3Cozk1qA';
const vector = (method: 'HmacSHA256' | 'HmacSHA1') => ({
  method: 'GET' as const,
  host: 'cvm.api.qcloud.com',
  path: '/v2/index.php',
  params: {
    Timestamp: '1465185768',
    Action: 'DescribeInstances',
    SignatureMethod: method,
    InstanceIds_0: 'ins-09dx96dg',
    Region: 'ap-guangzhou',
    SecretId: 'AKIDz8krbsJ5yKBZQpn74WFkmLPx3gnPhESA',
    Nonce: '11886',
  },
});
const DOC_STRING =
  'GETcvm.api.qcloud.com/v2/index.php?Action=DescribeInstances&InstanceIds.0=ins-09dx96dg&Nonce=11886&Region=ap-guangzhou&SecretId=AKIDz8krbsJ5yKBZQpn74WFkmLPx3gnPhESA&SignatureMethod=HmacSHA256&Timestamp=1465185768';

describe('the Tencent legacy signer', () => {
  it('builds the documented string to sign', () => {
    expect(stringToSign(vector('HmacSHA256'))).toBe(DOC_STRING);
    expect(stringToSign({ ...vector('HmacSHA256'), params: { ...vector('HmacSHA256').params, Signature: 'x' } })).toBe(DOC_STRING);
  });

  it('reproduces both documentation vectors', () => {
    expect(signRequest(vector('HmacSHA256'), KEY, 'HmacSHA256')).toBe('0EEm/HtGRr/VJXTAD9tYMth1Bzm3lLHz5RCDv1GdM8s=');
    expect(signRequest(vector('HmacSHA1'), KEY, 'HmacSHA1')).toBe('nPVnY6njQmwQ8ciqbPl5Qe+Oru4=');
  });

  it('agrees with qcloudapi-sdk\'s sign() on the vectors and on other inputs', () => {
    expect(qcloud.sign(DOC_STRING, KEY, 'sha256')).toBe('0EEm/HtGRr/VJXTAD9tYMth1Bzm3lLHz5RCDv1GdM8s=');
    expect(qcloud.sign(DOC_STRING.replace('HmacSHA256', 'HmacSHA1'), KEY, 'sha1')).toBe('nPVnY6njQmwQ8ciqbPl5Qe+Oru4=');
    for (const text of [DOC_STRING, 'POSTccr.api.qcloud.com/v2/index.php?reponame=测试/仓库 & more', '']) {
      expect(sign(text, 'another key', 'HmacSHA256')).toBe(qcloud.sign(text, 'another key', 'sha256'));
      expect(sign(text, 'another key', 'HmacSHA1')).toBe(qcloud.sign(text, 'another key', 'sha1'));
    }
  });

  for (const [method, sdkMethod] of [['HmacSHA256', 'sha256'], ['HmacSHA1', 'sha1']] as const) {
    for (const httpMethod of ['GET', 'POST'] as const) {
      it(`signs a whole ListTriggerLog request exactly as qcloudapi-sdk does (${method}, ${httpMethod})`, () => {
        const data = {
          Action: 'ListTriggerLog',
          Timestamp: 1532358807,
          Nonce: 48151,
          RequestClient: 'SDK_NODEJS_0.2.1',
          reponame: 'kubetest/kubetest',
          offset: 0,
          limit: 20,
          order: 'desc',
          orderby: 'invoke_time',
          ...(method === 'HmacSHA1' ? { SignatureMethod: 'HmacSHA1' } : {}),
        };
        const sdk = new QcloudApiClass({ SecretId: 'AKIDexample', SecretKey: 'secret/key+=', Region: 'ap-guangzhou', signatureMethod: sdkMethod });
        const query = sdk.generateQueryString(data, {
          host: '127.0.0.1:4101',
          path: '/v2/index.php',
          method: httpMethod,
          SecretKey: 'secret/key+=',
          SecretId: 'AKIDexample',
          signatureMethod: sdkMethod,
        });
        const sent = Object.fromEntries(new URLSearchParams(query));
        const { Signature, ...params } = sent;
        expect(params.SignatureMethod ?? 'HmacSHA1').toBe(method);
        const ours = signRequest({ method: httpMethod, host: '127.0.0.1:4101', path: '/v2/index.php', params }, 'secret/key+=', method);
        expect(ours).toBe(Signature);
      });
    }
  }
});
