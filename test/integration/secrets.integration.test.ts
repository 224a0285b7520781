import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulators, type RunningEmulators } from '../../src/demo/demo.emulators.js';
import { DEMO_BKREPO_ACCOUNTS } from '../../src/emulators/bkrepo/bkrepo.accounts.js';
import type { FaultKnobs } from '../../src/emulators/common/emulator.knobs.js';
import {
  AuditLogsDocument,
  DeploymentEventsDocument,
  DeploymentServicesDocument,
  EventByIdDocument,
  EventsPageDocument,
  ImageEventsDocument,
  SecretNotificationsDocument,
  SourcesDocument,
  TriggerLogsDocument,
} from '../generated/graphql.js';
import { DEMO_CREDENTIALS } from '../helpers/demo-credentials.js';
import { ANCHOR, startStack, type Stack } from '../helpers/stack.js';
import { unusedPort } from '../upstream/test-server.js';

/*
 * Secrets reach no client and no log. Every source is configured with distinctive
 * credentials (the emulators accept them), some with wrong ones (the emulators refuse them),
 * one with a password in its endpoint's userinfo and one pointing at a port nobody listens
 * on; then every upstream is made to fail every way it can, and every GraphQL answer, and
 * everything the process writes to stdout and stderr meanwhile, is searched for the secrets.
 */

const SECRETS = {
  huaweiAccessKey: 'HWAKPROBE0S3CR3T000001',
  huaweiSecretKey: 'HwSk-S3cr3t-Probe-7f3a9c1e5d',
  iamPassword: 'IamPw-S3cr3t-Probe-41d2b8',
  wrongHuaweiSecretKey: 'HwSk-Wr0ng-S3cr3t-Probe-0a0b',
  wrongIamPassword: 'IamPw-Wr0ng-S3cr3t-Probe-0c0d',
  tencentSecretId: 'AKIDS3CR3TPROBE0TENCENT000000000001',
  tencentSecretKey: 'TcSk-S3cr3t-Probe-88aa7766',
  tencentToken: 'TcTok-S3cr3t-Probe-55bb4433',
  wrongTencentSecretKey: 'TcSk-Wr0ng-S3cr3t-Probe-0e0f',
  bkrepoPassword: 'BkPw-S3cr3t-Probe-99cc1122',
  bkrepoAccessKey: 'BkAk-S3cr3t-Probe-11dd3344',
  bkrepoSecretKey: 'BkSk-S3cr3t-Probe-22ee5566',
  wrongBkrepoPassword: 'BkPw-Wr0ng-S3cr3t-Probe-0g0h',
  userinfoPassword: 'UiPw-S3cr3t-Probe-33ff7788',
  refusedPassword: 'UiPw-Refused-S3cr3t-Probe-44aa',
} as const;

const BKREPO_USER = 'probe-user';

/** Every form a secret could take on the way out: as is, percent-encoded, in a Basic header. */
function needles(): string[] {
  const all = new Set<string>();
  for (const secret of Object.values(SECRETS)) {
    all.add(secret);
    all.add(encodeURIComponent(secret));
    all.add(Buffer.from(secret).toString('base64'));
  }
  for (const password of [SECRETS.bkrepoPassword, SECRETS.wrongBkrepoPassword]) all.add(Buffer.from(`${BKREPO_USER}:${password}`).toString('base64'));
  all.add(Buffer.from(`${SECRETS.bkrepoAccessKey}:${SECRETS.bkrepoSecretKey}`).toString('base64'));
  return [...all];
}

/** What the process writes while the test runs: console calls and raw stream writes alike. */
function captureOutput(): { text(): string; restore(): void } {
  const chunks: string[] = [];
  const restores: Array<() => void> = [];
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write.bind(stream);
    stream.write = ((chunk: unknown, ...rest: unknown[]) => {
      chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
      return (write as (...args: unknown[]) => boolean)(chunk, ...rest);
    }) as typeof stream.write;
    restores.push(() => {
      stream.write = write;
    });
  }
  for (const method of ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const) {
    const original = console[method];
    console[method] = (...args: unknown[]) => {
      chunks.push(args.map((arg) => (typeof arg === 'string' ? arg : inspect(arg))).join(' '));
      original.apply(console, args);
    };
    restores.push(() => {
      console[method] = original;
    });
  }
  return { text: () => chunks.join('\n'), restore: () => restores.forEach((restore) => restore()) };
}

function inspect(value: unknown): string {
  if (value instanceof Error) return `${value.name}: ${value.message}\n${value.stack ?? ''}\n${inspect(value.cause)}`;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

type Fault = { label: string; knobs: Partial<FaultKnobs> };

const FAULTS: Fault[] = [
  { label: 'no fault', knobs: {} },
  { label: '401', knobs: { forceStatus: 401 } },
  { label: '403', knobs: { forceStatus: 403 } },
  { label: '429', knobs: { forceStatus: 429 } },
  { label: '500', knobs: { forceStatus: 500 } },
  { label: '503', knobs: { forceStatus: 503 } },
  { label: 'bad JSON', knobs: { malformedBody: 'invalid-json' } },
  { label: 'wrong shape', knobs: { malformedBody: 'wrong-shape' } },
  { label: 'hang', knobs: { hang: true } },
];

describe('secrets reach no GraphQL answer and no output', () => {
  let emulators: RunningEmulators;
  let stack: Stack;
  let output: ReturnType<typeof captureOutput>;
  const answers: Array<{ label: string; text: string }> = [];

  beforeAll(async () => {
    output = captureOutput();
    const huawei = DEMO_CREDENTIALS.huawei;
    const refusedPort = await unusedPort();
    stack = await startStack({
      emulators: {
        iam: {
          accessKeys: [{ accessKey: SECRETS.huaweiAccessKey, secretKey: SECRETS.huaweiSecretKey }],
          users: [{ name: 'probe-user', password: SECRETS.iamPassword, id: '0f1e2d3c4b5a69788796a5b4c3d2e1f0' }],
          tokenLifetimeMs: 24 * 3600_000,
        },
        tencentCcr: { keys: [{ secretId: SECRETS.tencentSecretId, secretKey: SECRETS.tencentSecretKey, token: SECRETS.tencentToken }] },
        bkrepo: {
          accounts: {
            users: [
              ...DEMO_BKREPO_ACCOUNTS.users.map((user) => ({ ...user })),
              { userId: BKREPO_USER, password: SECRETS.bkrepoPassword, tokens: [], admin: false, manage: ['test'] },
            ],
            platforms: [...DEMO_BKREPO_ACCOUNTS.platforms.map((p) => ({ ...p })), { accessKey: SECRETS.bkrepoAccessKey, secretKey: SECRETS.bkrepoSecretKey }],
          },
        },
      },
      sources: (running) => {
        emulators = running;
        // Fast failures, and no governor to turn one failure into another: each fault is seen as itself.
        const http = { retries: 0, timeoutMs: 1_500, rateLimit: { perSecond: 0 }, circuitBreaker: { failures: 0 } };
        const aksk = { type: 'aksk', accessKey: SECRETS.huaweiAccessKey, secretKey: SECRETS.huaweiSecretKey };
        const iam = {
          type: 'iam-token',
          iamEndpoint: running.iam.url,
          domain: huawei.domain,
          user: 'probe-user',
          password: SECRETS.iamPassword,
          projectName: huawei.region,
        };
        const scope = { projectId: huawei.projectId };
        const bkScope = { projectId: 'test', repositories: ['generic-local'], resourceKeyPrefix: '*', eventTypes: ['NODE_CREATED', 'NODE_DOWNLOADED'] };
        const withUserinfo = (url: string, password: string) => url.replace('http://', `http://probe:${encodeURIComponent(password)}@`);
        return [
          { name: 'ma-aksk', kind: 'huawei-modelarts', endpoint: running.modelarts.url, credentials: aksk, scope, http },
          { name: 'ma-iam', kind: 'huawei-modelarts', endpoint: running.modelarts.url, credentials: iam, scope, http },
          { name: 'ma-wrong', kind: 'huawei-modelarts', endpoint: running.modelarts.url, credentials: { ...aksk, secretKey: SECRETS.wrongHuaweiSecretKey }, scope, http },
          { name: 'ma-wrong-iam', kind: 'huawei-modelarts', endpoint: running.modelarts.url, credentials: { ...iam, password: SECRETS.wrongIamPassword }, scope, http },
          { name: 'hss', kind: 'huawei-hss', endpoint: running.hss.url, credentials: aksk, scope, http },
          { name: 'csms', kind: 'huawei-csms', endpoint: running.csms.url, credentials: iam, scope, http },
          {
            name: 'ccr',
            kind: 'tencent-ccr',
            endpoint: running.tencentCcr.url,
            credentials: { secretId: SECRETS.tencentSecretId, secretKey: SECRETS.tencentSecretKey, token: SECRETS.tencentToken },
            scope: { region: DEMO_CREDENTIALS.tencent.region, repositories: ['kubetest/kubetest'] },
            http,
          },
          {
            name: 'ccr-wrong',
            kind: 'tencent-ccr',
            endpoint: running.tencentCcr.url,
            credentials: { secretId: SECRETS.tencentSecretId, secretKey: SECRETS.wrongTencentSecretKey },
            scope: { region: DEMO_CREDENTIALS.tencent.region, repositories: ['kubetest/kubetest'] },
            http,
          },
          { name: 'bk-basic', kind: 'bkrepo', endpoint: running.bkrepo.url, credentials: { type: 'basic', username: BKREPO_USER, password: SECRETS.bkrepoPassword }, scope: bkScope, http },
          {
            name: 'bk-platform',
            kind: 'bkrepo',
            endpoint: running.bkrepo.url,
            credentials: { type: 'platform', accessKey: SECRETS.bkrepoAccessKey, secretKey: SECRETS.bkrepoSecretKey, userId: BKREPO_USER },
            scope: bkScope,
            http,
          },
          { name: 'bk-wrong', kind: 'bkrepo', endpoint: running.bkrepo.url, credentials: { type: 'basic', username: BKREPO_USER, password: SECRETS.wrongBkrepoPassword }, scope: bkScope, http },
          {
            name: 'bk-userinfo',
            kind: 'bkrepo',
            endpoint: withUserinfo(running.bkrepo.url, SECRETS.userinfoPassword),
            credentials: { type: 'basic', username: BKREPO_USER, password: SECRETS.bkrepoPassword },
            scope: bkScope,
            http,
          },
          {
            name: 'bk-refused',
            kind: 'bkrepo',
            endpoint: withUserinfo(`http://127.0.0.1:${refusedPort}`, SECRETS.refusedPassword),
            credentials: { type: 'basic', username: BKREPO_USER, password: SECRETS.bkrepoPassword },
            scope: bkScope,
            http,
          },
        ];
      },
    });
  });

  afterAll(async () => {
    try {
      await stack?.close();
    } finally {
      output?.restore();
    }
  });

  /** One POST, kept as the text that went over the wire. */
  async function ask(label: string, document: { toString(): string }, variables: Record<string, unknown> = {}): Promise<string> {
    const response = await fetch(stack.server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: document.toString(), variables }),
    });
    const text = await response.text();
    answers.push({ label, text });
    return text;
  }

  function setEveryEmulator(knobs: Partial<FaultKnobs>): void {
    for (const emulator of [emulators.modelarts, emulators.hss, emulators.csms, emulators.tencentCcr, emulators.bkrepo, emulators.iam]) {
      emulator.resetKnobs();
      emulator.setKnobs(knobs as never);
    }
  }

  let eventId: string | undefined;
  let serviceId: string | undefined;

  it('the sources work with their secrets: the test is not vacuous', async () => {
    const text = await ask('baseline', EventsPageDocument, { first: 50 });
    const body = JSON.parse(text) as { data: { events: { edges: Array<{ node: { id: string } }>; sources: Array<{ source: { name: string }; status: string }> } } };
    const status = Object.fromEntries(body.data.events.sources.map((s) => [s.source.name, s.status]));
    for (const name of ['ma-aksk', 'ma-iam', 'hss', 'csms', 'ccr', 'bk-basic', 'bk-platform', 'bk-userinfo']) expect(status[name], name).toBe('OK');
    for (const name of ['ma-wrong', 'ma-wrong-iam', 'ccr-wrong', 'bk-wrong', 'bk-refused']) expect(status[name], name).toBe('FAILED');
    eventId = body.data.events.edges[0]!.node.id;
    const services = JSON.parse(await ask('baseline', DeploymentServicesDocument, { source: 'ma-aksk' })) as {
      data: { deploymentServices: { services: Array<{ serviceId: string }> } };
    };
    serviceId = services.data.deploymentServices.services[0]!.serviceId;
  });

  for (const fault of FAULTS) {
    it(`every upstream failing with ${fault.label}: no secret in any answer`, async () => {
      setEveryEmulator(fault.knobs);
      try {
        const texts = await Promise.all([
          ask(fault.label, EventsPageDocument, { first: 20 }),
          ask(fault.label, EventsPageDocument, { first: 20, filter: { sources: ['bk-userinfo', 'bk-refused', 'ccr-wrong'] } }),
          ask(fault.label, SourcesDocument),
          ask(fault.label, EventByIdDocument, { id: eventId }),
          ask(fault.label, TriggerLogsDocument, { source: 'ccr', repoName: 'kubetest/kubetest', limit: 5 }),
          ask(fault.label, TriggerLogsDocument, { source: 'ccr-wrong', repoName: 'kubetest/kubetest', limit: 5 }),
          ask(fault.label, ImageEventsDocument, { source: 'hss', limit: 5 }),
          ask(fault.label, SecretNotificationsDocument, { source: 'csms' }),
          ask(fault.label, DeploymentServicesDocument, { source: 'ma-iam' }),
          ask(fault.label, DeploymentServicesDocument, { source: 'ma-wrong-iam' }),
          ask(fault.label, DeploymentEventsDocument, { source: 'ma-wrong', serviceId }),
          ask(fault.label, AuditLogsDocument, { source: 'bk-platform', repoName: 'generic-local', eventType: 'NODE_CREATED' }),
          ask(fault.label, AuditLogsDocument, { source: 'bk-wrong', repoName: 'generic-local', eventType: 'NODE_CREATED' }),
          ask(fault.label, AuditLogsDocument, { source: 'bk-refused', repoName: 'generic-local', eventType: 'NODE_CREATED' }),
        ]);
        // The faults did happen: the answers report errors.
        if (fault.label !== 'no fault') expect(texts[0]).toContain('"errors"');
        for (const text of texts) for (const needle of needles()) expect(text, `${fault.label}: an answer carries a secret`).not.toContain(needle);
      } finally {
        setEveryEmulator({});
      }
    });
  }

  it('a connection refused and a timeout, answered with the upstream message in errors[]: still no secret', () => {
    const all = answers.map((answer) => answer.text).join('\n');
    expect(all).toContain('ECONNREFUSED');
    expect(all).toContain('UPSTREAM_TIMEOUT');
    expect(all).toContain('UPSTREAM_AUTH_FAILED');
    expect(all).toContain('UPSTREAM_BAD_RESPONSE');
    expect(all).toContain('UPSTREAM_RATE_LIMITED');
    for (const needle of needles()) expect(all).not.toContain(needle);
  });

  it('nothing the process wrote meanwhile carries a secret', () => {
    const written = output.text();
    for (const needle of needles()) expect(written, 'stdout/stderr carries a secret').not.toContain(needle);
  });
});
