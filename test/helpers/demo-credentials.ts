import { BKREPO_DEMO_CREDENTIALS } from '../../src/emulators/bkrepo/bkrepo.starter.js';
import { HUAWEI_DEMO_CREDENTIALS } from '../../src/emulators/huawei-iam/iam.starter.js';
import { TENCENT_CCR_DEMO_CREDENTIALS } from '../../src/emulators/tencent-ccr/tencent-ccr.starter.js';

/** What the emulators accept by default, by vendor, for tests that sign in as a client would. */
export const DEMO_CREDENTIALS = {
  huawei: HUAWEI_DEMO_CREDENTIALS,
  tencent: TENCENT_CCR_DEMO_CREDENTIALS,
  bkrepo: BKREPO_DEMO_CREDENTIALS,
} as const;
