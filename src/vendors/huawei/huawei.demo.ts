import { HUAWEI_DEMO_CREDENTIALS, huaweiCloudEmulator } from '../../emulators/huawei-iam/iam.starter.js';
import type { DemoCredentials } from '../vendor-module.js';

/** What the demo sources of the three Huawei modules share: the emulators' one account. */
export const HUAWEI_DEMO: DemoCredentials = {
  title: 'Huawei Cloud (IAM token, or AK/SK SDK-HMAC-SHA256), for ModelArts, HSS and CSMS',
  values: HUAWEI_DEMO_CREDENTIALS,
};

/** The shared Huawei account and IAM, started once for the three modules. */
export const HUAWEI_EMULATORS = [huaweiCloudEmulator] as const;

/** A demo source's `credentials` and `scope`: AK/SK of the demo account, its project. */
export function huaweiDemoAccess() {
  return {
    credentials: { type: 'aksk', accessKey: HUAWEI_DEMO_CREDENTIALS.accessKey, secretKey: HUAWEI_DEMO_CREDENTIALS.secretKey },
    scope: { projectId: HUAWEI_DEMO_CREDENTIALS.projectId },
  };
}
