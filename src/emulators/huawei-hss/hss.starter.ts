import { huaweiServiceStarter } from '../huawei-iam/huawei-service.starter.js';
import { startHssEmulator } from './hss.emulator.js';

export const hssEmulator = huaweiServiceStarter('hss', 4102, startHssEmulator);
