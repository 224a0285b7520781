import { modelartsEmulator } from '../../emulators/huawei-modelarts/modelarts.starter.js';
import { HUAWEI_DEMO, HUAWEI_EMULATORS, huaweiDemoAccess } from '../huawei/huawei.demo.js';
import { defineVendor } from '../vendor-module.js';
import { modelArtsSourceSchema } from './modelarts.config.js';
import { ModelArtsSource } from './modelarts.source.js';
import { HUAWEI_CLOUD, DEPLOYMENT_KIND } from './deployment-event.record.js';
import { DeploymentEventType } from './deployment-event.type.js';
import { DeploymentResolver } from './deployment.resolver.js';

/** Huawei Cloud ModelArts real-time service (deployment) events, one stream per service. */
export const modelartsVendor = defineVendor({
  configKind: 'huawei-modelarts',
  title: 'Huawei ModelArts deployment events',
  label: 'ModelArts',
  eventKind: DEPLOYMENT_KIND,
  vendor: HUAWEI_CLOUD,
  configSchema: modelArtsSourceSchema,
  createSource: (config) => new ModelArtsSource(config),
  graphql: { eventType: DeploymentEventType, typeName: 'DeploymentEvent', resolvers: [DeploymentResolver] },
  emulator: {
    starter: modelartsEmulator,
    uses: HUAWEI_EMULATORS,
    credentials: HUAWEI_DEMO,
    describe: (emulator) => [
      `ModelArts data anchored at ${new Date(emulator.now).toISOString()}; services:`,
      ...emulator
        .summaries()
        .map(
          (s) =>
            `  ${s.service_id}  ${s.service_name.padEnd(26)} ${s.status.padEnd(11)} ${String(s.event_count).padStart(5)} events  workspace ${s.workspace_id}`,
        ),
    ],
  },
  demoSource: (emulator) => ({ name: 'modelarts-demo', kind: 'huawei-modelarts', endpoint: emulator.url, ...huaweiDemoAccess() }),
  docs: 'docs/vendors/huawei-modelarts.md',
});
