import { huaweiServiceStarter } from '../huawei-iam/huawei-service.starter.js';
import { startCsmsEmulator } from './csms.emulator.js';

export const csmsEmulator = huaweiServiceStarter('csms', 4103, startCsmsEmulator);
