import type { EventRecord } from '../../model/event.model.js';

/** The kind of event this vendor module adds to the schema's EventKind. */
export const AUDIT_KIND = { name: 'AUDIT', description: 'BlueKing bk-repo audit (operation) logs.' } as const;

/** This vendor, in the schema's Vendor. */
export const BLUEKING = { name: 'BLUEKING', description: "BlueKing (Tencent's open-source DevOps platform)." } as const;

export interface AuditEventRecord extends EventRecord {
  kind: 'AUDIT';
  vendor: 'BLUEKING';
  type: string;
  createdDate: string;
  projectId: string;
  repoName: string;
  resourceKey: string;
  userId: string;
  clientAddress: string | null;
  description: Record<string, unknown>;
  md5: string | null;
  sha256: string | null;
  pipelineId: string | null;
  buildId: string | null;
}
