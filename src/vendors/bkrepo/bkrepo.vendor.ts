import { BKREPO_DEMO_CREDENTIALS, bkrepoEmulator } from '../../emulators/bkrepo/bkrepo.starter.js';
import { defineVendor } from '../vendor-module.js';
import { AUDIT_KIND, BLUEKING } from './audit-event.record.js';
import { AuditEventType } from './audit-event.type.js';
import { AuditResolver } from './audit.resolver.js';
import { bkRepoSourceSchema } from './bkrepo.config.js';
import { BkRepoSource } from './bkrepo.source.js';

/** BlueKing bk-repo operation (audit) logs. */
export const bkrepoVendor = defineVendor({
  configKind: 'bkrepo',
  title: 'BlueKing bk-repo audit logs',
  label: 'bk-repo',
  eventKind: AUDIT_KIND,
  vendor: BLUEKING,
  configSchema: bkRepoSourceSchema,
  createSource: (config) => new BkRepoSource(config),
  graphql: { eventType: AuditEventType, typeName: 'AuditEvent', resolvers: [AuditResolver] },
  emulator: {
    starter: bkrepoEmulator,
    credentials: {
      title: 'BlueKing bk-repo (Basic user:password or user:token; Platform accessKey:secretKey with X-BKREPO-UID)',
      values: BKREPO_DEMO_CREDENTIALS,
    },
    describe: (emulator) => [
      `bk-repo projects and repositories: ${Object.entries(emulator.projects)
        .map(([project, repos]) => `${project} (${repos.join(', ')})`)
        .join('; ')}`,
    ],
  },
  demoSource: (emulator) => ({
    name: 'bkrepo-demo',
    kind: 'bkrepo',
    endpoint: emulator.url,
    credentials: { type: 'basic', username: BKREPO_DEMO_CREDENTIALS.user, password: BKREPO_DEMO_CREDENTIALS.password },
    // `*` rather than the default `/`: repository and version events are keyed by
    // name, not by path, and the demo shows every kind of record.
    scope: { projectId: BKREPO_DEMO_CREDENTIALS.projectId, repositories: ['generic-local', 'maven-local', 'docker-local'], resourceKeyPrefix: '*' },
  }),
  docs: 'docs/vendors/bkrepo.md',
});
