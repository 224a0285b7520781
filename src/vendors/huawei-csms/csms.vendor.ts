import { csmsEmulator } from '../../emulators/huawei-csms/csms.starter.js';
import { HUAWEI_DEMO, HUAWEI_EMULATORS, huaweiDemoAccess } from '../huawei/huawei.demo.js';
import { defineVendor } from '../vendor-module.js';
import { csmsSourceSchema } from './csms.config.js';
import { CsmsSource } from './csms.source.js';
import { HUAWEI_CLOUD, SECRET_NOTIFICATION_KIND } from './secret-notification-event.record.js';
import { SecretNotificationEventType } from './secret-notification-event.type.js';
import { SecretNotificationResolver } from './secret-notification.resolver.js';

/** Huawei Cloud CSMS (Cloud Secret Management Service) secret event notifications. */
export const csmsVendor = defineVendor({
  configKind: 'huawei-csms',
  title: 'Huawei Cloud CSMS secret notifications',
  label: 'Huawei CSMS',
  eventKind: SECRET_NOTIFICATION_KIND,
  vendor: HUAWEI_CLOUD,
  configSchema: csmsSourceSchema,
  createSource: (config) => new CsmsSource(config),
  graphql: { eventType: SecretNotificationEventType, typeName: 'SecretNotificationEvent', resolvers: [SecretNotificationResolver] },
  emulator: {
    starter: csmsEmulator,
    uses: HUAWEI_EMULATORS,
    credentials: HUAWEI_DEMO,
    describe: (emulator) => [
      `CSMS notification records: ${emulator.served().length} served, the documentation's example of 2020 among them (the retention knob is off)`,
    ],
  },
  demoSource: (emulator) => ({ name: 'csms-demo', kind: 'huawei-csms', endpoint: emulator.url, ...huaweiDemoAccess() }),
  docs: 'docs/vendors/huawei-csms.md',
});
