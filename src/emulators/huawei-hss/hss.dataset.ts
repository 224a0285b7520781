import { mulberry32, pick, pickWeighted, randomHex, randomInt, randomUuid, type Random } from '../common/mulberry32.js';

/**
 * Deterministic HSS container-image operation logs (docs/vendors/huawei-hss.md): thousands of
 * records over the 90 days before an anchor time, over many images, resource types, users
 * and source IPs, plus the verbatim example of the API page. The same (seed, now, scale)
 * always gives byte-identical data.
 */

/** One record of `GET /v5/{project_id}/container/image/events`, field for field. */
export interface HssImageEvent {
  resource_name: string;
  resource_type: string;
  event_name: string;
  event_id: string;
  event_type: string;
  source_ip: string;
  user_name: string;
  /** Epoch ms. */
  time: number;
  content: string;
}

export interface HssDataset {
  projectId: string;
  /** Anchor time: generated records lie in [now - 90 days, now]. */
  now: number;
  /** In insertion order; the emulator orders them by time, keeping this order among ties. */
  events: HssImageEvent[];
  notable: {
    /** event_id of the API page example, verbatim. */
    seedEventId: string;
    /** A millisecond that holds several different records. */
    tieTime: number;
    /** How many records share `tieTime`. */
    tieCount: number;
  };
}

export const HSS_HISTORY_MS = 90 * 24 * 3600 * 1000;

/** Copied verbatim from the example response on the vendor API page. */
export const SEED_EXAMPLE_EVENT: Readonly<HssImageEvent> = Object.freeze({
  resource_name: 'name',
  resource_type: 'scc_hss_container/hello-world:*',
  event_name: 'operation',
  event_id: 'f989**25-b3a4-4d88-b05a-cc***cd1205',
  event_type: 'eventtype',
  source_ip: '100.93.10.***',
  user_name: 'usertest',
  time: 1737465650731,
  content:
    'successfully started container k8s_infer-8995e1d2-c409-4ada-ab1b-77e611497bf1_infer-39cce5d3-8b68-4578-8e5c-77e611497bf1-1824u-role-0-6db9jrd_pool-x-infer-test-04f258c84780d5a52f3bc00dc15aa5e7_ac085160-d5a5-4251-ab06-30e6c33dedc4_0',
});

export interface HssDatasetOptions {
  seed?: number;
  now: number;
  /** Multiplies the number of records (about 4000 at scale 1). */
  scale?: number;
  projectId: string;
}

const REPOSITORIES = [
  'nginx', 'redis', 'mysql', 'postgres', 'hello-world', 'busybox', 'alpine', 'python', 'node', 'openjdk',
  'tomcat', 'httpd', 'mongo', 'rabbitmq', 'elasticsearch', 'kibana', 'grafana', 'prometheus', 'etcd', 'coredns',
  'kube-proxy', 'pause', 'infer-runtime', 'modelarts-serving', 'cce-agent', 'hss-agent', 'payment-api', 'order-svc',
  'user-center', 'gateway', 'web-portal', 'batch-worker',
] as const;
const NAMESPACES = ['library', 'acme-prod', 'acme-test', 'ml-platform', 'ops'] as const;
const TAGS = ['latest', '1.0.0', '1.0.1', '1.2.3', '2.0.0', '2.1.0-rc1', '3.4', 'v20250101', 'stable', 'alpine'] as const;
const USERS = [
  'usertest', 'ops_admin', 'zhang.wei', 'li.na', 'wang.fang', 'ci-robot', 'cce-system', 'deployer',
  'chen.jie', 'liu.yang', 'sec-auditor', 'ml-pipeline', 'huang.lei', 'zhao.min',
] as const;

interface Action {
  eventType: string;
  eventName: string;
  resourceKind: 'image' | 'container' | 'repository' | 'pod' | 'scc';
  weight: number;
  content: (image: string, container: string, random: Random) => string;
}

const ACTIONS: Action[] = [
  { eventType: 'image_pull', eventName: 'pull', resourceKind: 'image', weight: 30, content: (i) => `successfully pulled image ${i}` },
  { eventType: 'image_push', eventName: 'push', resourceKind: 'image', weight: 12, content: (i) => `pushed image ${i} to SWR` },
  { eventType: 'image_delete', eventName: 'delete', resourceKind: 'image', weight: 3, content: (i) => `deleted image ${i}` },
  { eventType: 'image_scan', eventName: 'vulnerability_scan', resourceKind: 'image', weight: 8, content: (i, _c, r) => `scan of ${i} finished: ${randomInt(r, 0, 40)} vulnerabilities (${randomInt(r, 0, 5)} critical)` },
  { eventType: 'container_start', eventName: 'operation', resourceKind: 'scc', weight: 20, content: (_i, c) => `successfully started container ${c}` },
  { eventType: 'container_stop', eventName: 'operation', resourceKind: 'container', weight: 10, content: (_i, c) => `stopped container ${c}` },
  { eventType: 'container_exec', eventName: 'exec', resourceKind: 'container', weight: 5, content: (_i, c, r) => `exec into container ${c}: ${pick(r, ['/bin/sh', 'bash', 'cat /etc/passwd', 'ps aux'])}` },
  { eventType: 'pod_create', eventName: 'create', resourceKind: 'pod', weight: 6, content: (_i, c) => `created pod for ${c}` },
  { eventType: 'repository_create', eventName: 'create', resourceKind: 'repository', weight: 2, content: (i) => `created repository ${i.split(':')[0]}` },
  { eventType: 'image_sign_failed', eventName: 'verify_signature', resourceKind: 'image', weight: 2, content: (i) => `image ${i} failed signature verification` },
];

export function generateHssDataset(options: HssDatasetOptions): HssDataset {
  const seed = options.seed ?? 1;
  const random = mulberry32((Math.imul(seed, 0x2c1b3c6d) + 0x4855) >>> 0);
  const count = Math.max(50, Math.round(4000 * (options.scale ?? 1)));
  const ips = Array.from({ length: 40 }, (_, i) =>
    i % 4 === 0
      ? `100.${randomInt(random, 64, 127)}.${randomInt(random, 0, 255)}.***`
      : `${pick(random, ['10', '172', '192', '100'])}.${randomInt(random, 0, 255)}.${randomInt(random, 0, 255)}.${randomInt(random, 1, 254)}`,
  );
  const images = Array.from({ length: 80 }, () => `${pick(random, NAMESPACES)}/${pick(random, REPOSITORIES)}:${pick(random, TAGS)}`);
  const weighted = ACTIONS.map((a) => [a, a.weight] as const);
  const start = options.now - HSS_HISTORY_MS;
  const events: HssImageEvent[] = [{ ...SEED_EXAMPLE_EVENT }];

  for (let i = 0; i < count; i++) {
    const time = start + Math.floor(random() * HSS_HISTORY_MS);
    events.push(generatedEvent(random, time, images, ips, pickWeighted(random, weighted)));
  }
  // A burst of different records in one millisecond, so that paging through ties is tested.
  const tieTime = options.now - 3 * 24 * 3600 * 1000 + 123;
  const tieCount = 7;
  for (let i = 0; i < tieCount; i++) events.push(generatedEvent(random, tieTime, images, ips, pickWeighted(random, weighted)));

  return { projectId: options.projectId, now: options.now, events, notable: { seedEventId: SEED_EXAMPLE_EVENT.event_id, tieTime, tieCount } };
}

function generatedEvent(random: Random, time: number, images: string[], ips: string[], action: Action): HssImageEvent {
  const image = pick(random, images);
  const repo = image.split('/')[1]!.split(':')[0]!;
  const container = `k8s_${repo}-${randomHex(random, 8)}_${repo}-${randomHex(random, 10)}-${randomHex(random, 5)}_default_${randomUuid(random)}_0`;
  const resourceName =
    action.resourceKind === 'image' ? image : action.resourceKind === 'repository' ? image.split(':')[0]! : action.resourceKind === 'pod' ? `${repo}-${randomHex(random, 10)}-${randomHex(random, 5)}` : container;
  const resourceType =
    action.resourceKind === 'scc' ? `scc_hss_container/${repo}:*` : action.resourceKind === 'image' ? 'image' : action.resourceKind;
  return {
    resource_name: resourceName,
    resource_type: resourceType,
    event_name: action.eventName,
    event_id: randomUuid(random),
    event_type: action.eventType,
    source_ip: pick(random, ips),
    user_name: pick(random, USERS),
    time,
    content: action.content(image, container, random),
  };
}

export function cloneHssDataset(dataset: HssDataset): HssDataset {
  return { ...dataset, events: dataset.events.map((e) => ({ ...e })), notable: { ...dataset.notable } };
}
