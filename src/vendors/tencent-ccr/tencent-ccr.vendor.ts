import { TENCENT_CCR_DEMO_CREDENTIALS, tencentCcrEmulator } from '../../emulators/tencent-ccr/tencent-ccr.starter.js';
import { defineVendor } from '../vendor-module.js';
import { tencentCcrSourceSchema } from './tencent-ccr.config.js';
import { TencentCcrSource } from './tencent-ccr.source.js';
import { TENCENT_CLOUD, TRIGGER_KIND } from './trigger-event.record.js';
import { TriggerEventType } from './trigger-event.type.js';
import { TriggerResolver } from './trigger.resolver.js';

/** Tencent Cloud CCR (Container Registry) trigger logs, through the legacy `ListTriggerLog`. */
export const tencentCcrVendor = defineVendor({
  configKind: 'tencent-ccr',
  title: 'Tencent Cloud CCR trigger logs',
  label: 'Tencent CCR',
  eventKind: TRIGGER_KIND,
  vendor: TENCENT_CLOUD,
  configSchema: tencentCcrSourceSchema,
  createSource: (config) => new TencentCcrSource(config),
  graphql: { eventType: TriggerEventType, typeName: 'TriggerEvent', resolvers: [TriggerResolver] },
  emulator: {
    starter: tencentCcrEmulator,
    credentials: { title: 'Tencent Cloud CCR (legacy API 2.0, HmacSHA256 or HmacSHA1)', values: TENCENT_CCR_DEMO_CREDENTIALS },
    describe: (emulator) => [`CCR repositories with trigger logs: ${emulator.repositories().join(', ')}`],
  },
  demoSource: (emulator) => ({
    name: 'ccr-demo',
    kind: 'tencent-ccr',
    endpoint: emulator.url,
    credentials: { secretId: TENCENT_CCR_DEMO_CREDENTIALS.secretId, secretKey: TENCENT_CCR_DEMO_CREDENTIALS.secretKey },
    scope: { region: TENCENT_CCR_DEMO_CREDENTIALS.region, repositories: emulator.repositories() },
  }),
  docs: 'docs/vendors/tencent-ccr.md',
});

