import { describe, expect, it } from 'vitest';
import { RecordNumbering, streamKeyOf, toAuditEvent } from '../../../src/vendors/bkrepo/bkrepo.mapper.js';
import type { LogRecord } from '../../../src/vendors/bkrepo/bkrepo.schemas.js';

const ref = { sourceName: 'bk', projectId: 'test', repoName: 'generic-local', eventType: 'NODE_DOWNLOADED' };
const record: LogRecord = {
  createdDate: '2022-08-02T15:20:47.235',
  type: 'NODE_DOWNLOADED',
  projectId: 'test',
  repoName: 'generic-local',
  resourceKey: '/release/1.0.0/boot-example.jar',
  userId: 'admin',
  clientAddress: '127.0.0.1',
  description: { md5: '036208b4a1ab4a235d75c181e685e5a3', sha256: '6671fe83b7a07c8932ee89164d1f2793b2318058eb8b98dc5c06ee0a5a3b0ec1' },
};
const at = Date.UTC(2022, 7, 2, 7, 20, 47, 235);

describe('bk-repo record to AuditEvent', () => {
  it('maps every field; outcome is SUCCESS, resource the key, actor the user', () => {
    const event = toAuditEvent(ref, { record, at }, new RecordNumbering());
    expect(event).toMatchObject({
      kind: 'AUDIT',
      vendor: 'BLUEKING',
      sourceName: 'bk',
      streamKey: 'bk/generic-local/NODE_DOWNLOADED',
      occurredAt: at,
      outcome: 'SUCCESS',
      actor: 'admin',
      resource: '/release/1.0.0/boot-example.jar',
      type: 'NODE_DOWNLOADED',
      createdDate: '2022-08-02T15:20:47.235',
      clientAddress: '127.0.0.1',
      md5: '036208b4a1ab4a235d75c181e685e5a3',
      sha256: '6671fe83b7a07c8932ee89164d1f2793b2318058eb8b98dc5c06ee0a5a3b0ec1',
      pipelineId: null,
      buildId: null,
    });
    expect(event.raw).toBe(record);
    expect(streamKeyOf(ref)).toBe('bk/generic-local/NODE_DOWNLOADED');
  });

  it('gives twins distinct ids and the same ids on every read, whatever the key order of description', () => {
    const numbering = new RecordNumbering();
    const a = toAuditEvent(ref, { record, at }, numbering);
    const b = toAuditEvent(ref, { record: { ...record }, at }, numbering);
    expect(a.id).not.toBe(b.id);
    const again = new RecordNumbering();
    const reordered = { ...record, description: { sha256: record.description!['sha256'], md5: record.description!['md5'] } };
    expect(toAuditEvent(ref, { record: reordered, at }, again).id).toBe(a.id);
    // another zone writes another createdDate for the same instant: same id
    expect(toAuditEvent(ref, { record: { ...record, createdDate: '2022-08-02T07:20:47.235' }, at }, new RecordNumbering()).id).toBe(a.id);
  });

  it('leaves convenience fields null when description lacks them, or is missing', () => {
    const event = toAuditEvent(ref, { record: { ...record, description: null, clientAddress: undefined }, at }, new RecordNumbering());
    expect(event).toMatchObject({ description: {}, md5: null, sha256: null, pipelineId: null, buildId: null, clientAddress: null });
  });
});
