import type { RunningEmulators } from '../emulators/emulators.js';
import { DEMO_CREDENTIALS } from '../emulators/emulators.js';
import type { Config } from './config.schema.js';
import { parseConfig } from './config.loader.js';

/**
 * The configuration of demo mode: every source pointed at an in-process emulator, over real
 * HTTP, with the credentials the emulators accept. It goes through the same validation as
 * a file, so demo mode cannot drift from what a user could write.
 */
export function demoConfig(emulators: RunningEmulators, port: number): Config {
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
      ],
    },
    'demo configuration',
  );
}
