import { huaweiServiceStarter } from '../huawei-iam/huawei-service.starter.js';
import { startModelArtsEmulator } from './modelarts.emulator.js';

export const modelartsEmulator = huaweiServiceStarter('modelarts', 4104, startModelArtsEmulator);
