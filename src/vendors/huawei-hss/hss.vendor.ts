import { hssEmulator } from '../../emulators/huawei-hss/hss.starter.js';
import { HUAWEI_DEMO, HUAWEI_EMULATORS, huaweiDemoAccess } from '../huawei/huawei.demo.js';
import { defineVendor } from '../vendor-module.js';
import { hssSourceSchema } from './hss.config.js';
import { HssSource } from './hss.source.js';
import { HUAWEI_CLOUD, IMAGE_KIND } from './image-event.record.js';
import { ImageEventType } from './image-event.type.js';
import { ImageResolver } from './image.resolver.js';

/** Huawei Cloud HSS (Host Security Service) container-image security logs. */
export const hssVendor = defineVendor({
  configKind: 'huawei-hss',
  title: 'Huawei Cloud HSS container-image logs',
  label: 'Huawei HSS',
  eventKind: IMAGE_KIND,
  vendor: HUAWEI_CLOUD,
  configSchema: hssSourceSchema,
  createSource: (config) => new HssSource(config),
  graphql: { eventType: ImageEventType, typeName: 'ImageEvent', resolvers: [ImageResolver] },
  emulator: {
    starter: hssEmulator,
    uses: HUAWEI_EMULATORS,
    credentials: HUAWEI_DEMO,
    describe: (emulator) => [`HSS container-image logs: ${emulator.events().length} records, the documentation's example among them`],
  },
  demoSource: (emulator) => ({ name: 'hss-demo', kind: 'huawei-hss', endpoint: emulator.url, ...huaweiDemoAccess() }),
  docs: 'docs/vendors/huawei-hss.md',
});
