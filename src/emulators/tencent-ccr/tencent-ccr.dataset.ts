import { mulberry32, pick, randomHex, randomInt, type Random } from '../common/mulberry32.js';

/**
 * Deterministic CCR trigger logs (docs/vendors/tencent-ccr.md): a few repositories, each with
 * its triggers, and the trigger invocations caused by image pushes over the 90 days before
 * an anchor time, plus the verbatim example record of the API page. The same
 * (seed, now, scale) always gives identical data.
 *
 * One push fires every trigger of the repository whose condition matches the tag, within
 * a second or two, so many records share one `invokeTime` second: exactly what a client
 * paging by offset over a second-resolution time must get right.
 */

/** One `logInfo` record, key for key as the page's example shows it. */
export interface TriggerLog {
  repoName: string;
  tagName: string;
  triggerName: string;
  invokeSource: string;
  invokeAction: string;
  /** `YYYY-MM-DD HH:MM:SS`, Beijing time (UTC+8), no zone. */
  invokeTime: string;
  invokeCondition: { invokeMethod: 'all' | 'taglist' | 'regex'; invokeExpr: string };
  invokePara: {
    appId: string;
    clusterId: string;
    namespace: string;
    serviceName: string;
    containerName: string;
    clusterRegion: number;
  };
  invokeResult: { returnCode: number; returnMsg: string };
}

/** The region numbers the page lists for `clusterRegion`. */
export const CLUSTER_REGIONS = [1, 4, 5, 7, 8, 9, 16] as const;

export const HISTORY_MS = 90 * 24 * 3600 * 1000;
/** China Standard Time has had no daylight saving since 1991: a fixed offset will do. */
const BEIJING_OFFSET_MS = 8 * 3600 * 1000;

export const SEED_EXAMPLE_REPO = 'kubetest/kubetest';

/** Copied verbatim from the example response on the vendor API page. */
export const SEED_EXAMPLE_LOG: Readonly<TriggerLog> = Object.freeze({
  repoName: 'kubetest/kubetest',
  tagName: 'latest',
  triggerName: 'trigger_test',
  invokeSource: 'IMAGE_PUSH',
  invokeAction: 'SERVICE_UPDATE',
  invokeTime: '2018-07-23 23:13:27',
  invokeCondition: { invokeMethod: 'regex', invokeExpr: 'test*' },
  invokePara: {
    appId: '1254119589',
    clusterId: 'cls-666666',
    namespace: 'default',
    serviceName: 'nginx-test',
    containerName: 'nginx-test',
    clusterRegion: 1,
  },
  invokeResult: { returnCode: 0, returnMsg: 'ok' },
} satisfies TriggerLog);

export const DEMO_APP_ID = '1254119589';

interface TriggerDef {
  name: string;
  method: TriggerLog['invokeCondition']['invokeMethod'];
  expr: string;
  clusterId: string;
  namespace: string;
  serviceName: string;
  containerName: string;
  clusterRegion: number;
}

interface RepoDef {
  name: string;
  triggers: TriggerDef[];
  /** Tags pushed, by relative weight; `#` is replaced by a build number. */
  tags: Array<[string, number]>;
}

const t = (
  name: string,
  method: TriggerDef['method'],
  expr: string,
  clusterId: string,
  namespace: string,
  serviceName: string,
  containerName: string,
  clusterRegion: number,
): TriggerDef => ({ name, method, expr, clusterId, namespace, serviceName, containerName, clusterRegion });

// Every method and every listed clusterRegion appears at least once.
const REPOS: RepoDef[] = [
  {
    name: SEED_EXAMPLE_REPO,
    triggers: [
      t('trigger_test', 'regex', 'test*', 'cls-666666', 'default', 'nginx-test', 'nginx-test', 1),
      t('kubetest-staging', 'all', '', 'cls-3f9k2a1b', 'staging', 'kubetest', 'kubetest', 4),
    ],
    tags: [['latest', 5], ['test-#', 3], ['v0.#.0', 2]],
  },
  {
    name: 'shop/web-frontend',
    triggers: [
      t('web-prod-release', 'taglist', 'v1.8.0;v1.8.1;v1.9.0', 'cls-a1b2c3d4', 'prod', 'web-frontend', 'web', 8),
      t('web-preview', 'regex', '^pr-[0-9]+$', 'cls-a1b2c3d4', 'preview', 'web-preview', 'web', 8),
      t('web-hk-mirror', 'all', '', 'cls-hk000001', 'prod', 'web-frontend', 'web', 5),
    ],
    tags: [['pr-#', 6], ['v1.8.0', 1], ['v1.8.1', 1], ['v1.9.0', 1], ['latest', 2]],
  },
  {
    name: 'shop/order-service',
    triggers: [
      t('order-canary', 'regex', '^v[0-9]+\\.[0-9]+\\.[0-9]+-rc', 'cls-fsi00042', 'payments', 'order-service', 'order', 7),
      t('order-prod', 'taglist', 'v2.3.0;v2.3.1;v2.4.0', 'cls-fsi00042', 'payments', 'order-service', 'order', 7),
    ],
    tags: [['v2.3.#-rc1', 4], ['v2.3.0', 1], ['v2.3.1', 1], ['v2.4.0', 1], ['dev-#', 3]],
  },
  {
    name: 'infra/nginx-ingress',
    triggers: [
      t('ingress-sg', 'all', '', 'cls-sg7788aa', 'kube-system', 'nginx-ingress-controller', 'controller', 9),
      t('ingress-cd', 'all', '', 'cls-cd5566bb', 'kube-system', 'nginx-ingress-controller', 'controller', 16),
    ],
    tags: [['1.#.0', 2], ['latest', 1]],
  },
  {
    name: 'ml/inference-gateway',
    triggers: [
      t('gateway-gz', 'regex', '^release-', 'cls-gz9900cc', 'ml', 'inference-gateway', 'gateway', 1),
      t('gateway-bj', 'taglist', 'release-2025.1;release-2025.2', 'cls-bj1122dd', 'ml', 'inference-gateway', 'gateway', 8),
      t('gateway-sh-batch', 'all', '', 'cls-sh3344ee', 'ml-batch', 'batch-gateway', 'gateway', 4),
    ],
    tags: [['release-2025.#', 3], ['release-2025.1', 1], ['release-2025.2', 1], ['nightly-#', 4]],
  },
];

const FAILURES = [
  [1001, 'cluster cls-%c not found or not accessible'],
  [1002, 'service %s not found in namespace %n'],
  [1003, 'update service failed: image pull back-off'],
  [1004, 'update service failed: timeout waiting for rollout'],
  [2001, 'permission denied: CAM role not authorized for TKE'],
] as const;

export interface TencentCcrDataset {
  /** Anchor: generated records lie in [now - 90 days, now]. */
  now: number;
  /** Per repository, ascending by invoke time, ties in insertion order. */
  repositories: Map<string, StoredLog[]>;
}

/** A record and its time as epoch seconds, which the emulator sorts and pages by. */
export interface StoredLog {
  at: number;
  log: TriggerLog;
}

export interface TencentDatasetOptions {
  seed?: number;
  now: number;
  /** Multiplies the number of records per repository. */
  scale?: number;
}

export function formatInvokeTime(epochSeconds: number): string {
  return new Date(epochSeconds * 1000 + BEIJING_OFFSET_MS).toISOString().slice(0, 19).replace('T', ' ');
}

/** Reads an `invokeTime` as Beijing time; NaN when it is not `YYYY-MM-DD HH:MM:SS`. */
export function parseInvokeTime(text: string): number {
  if (!/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/.test(text)) return Number.NaN;
  const ms = Date.parse(`${text.replace(' ', 'T')}Z`);
  return Number.isNaN(ms) ? Number.NaN : (ms - BEIJING_OFFSET_MS) / 1000;
}

export function generateTencentCcrDataset(options: TencentDatasetOptions): TencentCcrDataset {
  const seed = options.seed ?? 1;
  const scale = options.scale ?? 1;
  const repositories = new Map<string, StoredLog[]>();
  REPOS.forEach((repo, index) => {
    // One PRNG stream per repository, so that one repository's data does not depend on another's.
    const random = mulberry32((Math.imul(seed, 0x9e3779b1) + Math.imul(index + 1, 0x27d4eb2f)) >>> 0);
    const logs = generateRepo(repo, random, options.now, Math.max(1, Math.round(randomInt(random, 150, 320) * scale)));
    if (repo.name === SEED_EXAMPLE_REPO) {
      logs.unshift({ at: parseInvokeTime(SEED_EXAMPLE_LOG.invokeTime), log: cloneLog(SEED_EXAMPLE_LOG) });
    }
    repositories.set(repo.name, sortLogs(logs));
  });
  return { now: options.now, repositories };
}

function generateRepo(repo: RepoDef, random: Random, now: number, target: number): StoredLog[] {
  const start = Math.floor((now - HISTORY_MS) / 1000);
  const end = Math.floor(now / 1000) - 60;
  const logs: StoredLog[] = [];
  let build = randomInt(random, 10, 90);
  let duplicated = false;
  // Pushes at random times, then sorted; a few come as bursts within one second.
  const pushes: number[] = [];
  while (pushes.length < target) {
    const at = randomInt(random, start, end);
    pushes.push(at);
    if (random() < 0.08) pushes.push(at);
  }
  pushes.sort((a, b) => a - b);
  for (const at of pushes) {
    if (logs.length >= target) break;
    build += 1;
    const tag = pickTag(random, repo.tags).replace('#', String(build));
    for (const trigger of repo.triggers) {
      if (!matches(trigger, tag)) continue;
      const when = Math.min(end, at + (random() < 0.6 ? 0 : randomInt(random, 1, 2)));
      const log = makeLog(random, repo.name, trigger, tag, when);
      logs.push({ at: when, log });
      // One fully identical pair: a retried webhook logged twice in the same second.
      if (!duplicated && repo.name === SEED_EXAMPLE_REPO && logs.length > target / 2) {
        logs.push({ at: when, log: cloneLog(log) });
        duplicated = true;
      }
    }
  }
  return logs;
}

function pickTag(random: Random, tags: Array<[string, number]>): string {
  const total = tags.reduce((sum, [, w]) => sum + w, 0);
  let roll = random() * total;
  for (const [tag, weight] of tags) {
    roll -= weight;
    if (roll < 0) return tag;
  }
  return tags[0]![0];
}

function matches(trigger: TriggerDef, tag: string): boolean {
  if (trigger.method === 'all') return true;
  if (trigger.method === 'taglist') return trigger.expr.split(';').includes(tag);
  return new RegExp(trigger.expr).test(tag);
}

function makeLog(random: Random, repoName: string, trigger: TriggerDef, tag: string, at: number): TriggerLog {
  const failed = random() < 0.12;
  const [code, message] = failed ? pick(random, FAILURES) : [0, 'ok'];
  return {
    repoName,
    tagName: tag,
    triggerName: trigger.name,
    invokeSource: 'IMAGE_PUSH',
    invokeAction: 'SERVICE_UPDATE',
    invokeTime: formatInvokeTime(at),
    invokeCondition: { invokeMethod: trigger.method, invokeExpr: trigger.expr },
    invokePara: {
      appId: DEMO_APP_ID,
      clusterId: trigger.clusterId,
      namespace: trigger.namespace,
      serviceName: trigger.serviceName,
      containerName: trigger.containerName,
      clusterRegion: trigger.clusterRegion,
    },
    invokeResult: {
      returnCode: code,
      returnMsg: failed
        ? `${message.replace('%c', trigger.clusterId.slice(4)).replace('%s', trigger.serviceName).replace('%n', trigger.namespace)} (request ${randomHex(random, 8)})`
        : message,
    },
  };
}

/** Stable sort by time: insertion order among records of one second. */
export function sortLogs(logs: StoredLog[]): StoredLog[] {
  return logs.sort((a, b) => a.at - b.at);
}

export function cloneLog(log: TriggerLog): TriggerLog {
  return JSON.parse(JSON.stringify(log)) as TriggerLog;
}

export function cloneDataset(dataset: TencentCcrDataset): TencentCcrDataset {
  return {
    now: dataset.now,
    repositories: new Map(
      [...dataset.repositories].map(([name, logs]) => [name, logs.map(({ at, log }) => ({ at, log: cloneLog(log) }))]),
    ),
  };
}
