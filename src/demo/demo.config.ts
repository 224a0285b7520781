import type { RunningEmulators, TencentCcrEmulatorHandle } from './demo.emulators.js';
import { DEMO_CREDENTIALS } from './demo.emulators.js';
import type { Config } from '../config/config.schema.js';
import { parseConfig } from '../config/config.loader.js';

/**
 * What the demo configuration reads from the running emulators: where each listens, and the
 * CCR repositories that hold data. `RunningEmulators` is one; so is a description of
 * emulators that run elsewhere (the benchmark starts them in a worker thread).
 */
export type DemoEmulators = {
  [K in 'modelarts' | 'hss' | 'csms' | 'bkrepo']: Pick<RunningEmulators[K], 'url'>;
} & { tencentCcr: Pick<TencentCcrEmulatorHandle, 'url' | 'repositories'> };

/**
 * The configuration of demo mode: every source pointed at an in-process emulator, over real
 * HTTP, with the credentials the emulators accept. It goes through the same validation as
 * a file, so demo mode cannot drift from what a user could write.
 */
export function demoConfig(emulators: DemoEmulators, port: number): Config {
  const huawei = DEMO_CREDENTIALS.huawei;
  return parseConfig(
    {
      server: { port },
      sources: [
        {
          name: 'modelarts-demo',
          kind: 'huawei-modelarts',
          endpoint: emulators.modelarts.url,
          credentials: { type: 'aksk', accessKey: huawei.accessKey, secretKey: huawei.secretKey },
          scope: { projectId: huawei.projectId },
        },
        {
          name: 'ccr-demo',
          kind: 'tencent-ccr',
          endpoint: emulators.tencentCcr.url,
          credentials: { secretId: DEMO_CREDENTIALS.tencent.secretId, secretKey: DEMO_CREDENTIALS.tencent.secretKey },
          scope: { region: DEMO_CREDENTIALS.tencent.region, repositories: emulators.tencentCcr.repositories() },
        },
        {
          name: 'hss-demo',
          kind: 'huawei-hss',
          endpoint: emulators.hss.url,
          credentials: { type: 'aksk', accessKey: huawei.accessKey, secretKey: huawei.secretKey },
          scope: { projectId: huawei.projectId },
        },
        {
          name: 'csms-demo',
          kind: 'huawei-csms',
          endpoint: emulators.csms.url,
          credentials: { type: 'aksk', accessKey: huawei.accessKey, secretKey: huawei.secretKey },
          scope: { projectId: huawei.projectId },
        },
        {
          name: 'bkrepo-demo',
          kind: 'bkrepo',
          endpoint: emulators.bkrepo.url,
          credentials: { type: 'basic', username: DEMO_CREDENTIALS.bkrepo.user, password: DEMO_CREDENTIALS.bkrepo.password },
          // `*` rather than the default `/`: repository and version events are keyed by
          // name, not by path, and the demo shows every kind of record.
          scope: { projectId: DEMO_CREDENTIALS.bkrepo.projectId, repositories: ['generic-local', 'maven-local', 'docker-local'], resourceKeyPrefix: '*' },
        },
      ],
    },
    'demo configuration',
  );
}
