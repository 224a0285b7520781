import { mulberry32, pick, pickWeighted, randomHex, randomInt, randomUuid, type Random } from '../common/mulberry32.js';

/**
 * Deterministic ModelArts data: services and their event logs, generated from a seed over
 * the 90 days before an anchor time, plus the verbatim example of the vendor API page.
 * The same (seed, now, scale) always gives byte-identical data, so benchmarks and failing
 * tests can be replayed.
 */

export type ModelArtsEventType = 'normal' | 'abnormal';
export const EVENT_TYPES = ['normal', 'abnormal'] as const satisfies readonly ModelArtsEventType[];

/** One record of `GET /v1/{project_id}/services/{service_id}/events`, field for field. */
export interface ModelArtsEvent {
  occur_time: number;
  event_type: ModelArtsEventType;
  event_info: string;
}

export const INFER_TYPES = ['real-time', 'batch', 'edge'] as const;
export type InferType = (typeof INFER_TYPES)[number];

export const SERVICE_STATUSES = [
  'running',
  'deploying',
  'concerning',
  'failed',
  'stopped',
  'finished',
  'stopping',
  'deleting',
  'pending',
  'waiting',
] as const;
export type ServiceStatus = (typeof SERVICE_STATUSES)[number];

/** One record of `GET /v1/{project_id}/services`, as the service list returns it. */
export interface ModelArtsService {
  service_id: string;
  service_name: string;
  description: string;
  /** Account (domain) id. */
  tenant: string;
  project: string;
  /** IAM user id of the creator. */
  owner: string;
  /** Epoch ms. */
  publish_at: number;
  update_time: number;
  /** Epoch ms of the last status change. */
  transition_at: number;
  infer_type: InferType;
  status: ServiceStatus;
  progress: number;
  /** Only on failed services, as on the real list. */
  error_msg?: string;
  invocation_times: number;
  failed_times: number;
  model_count: number;
  workspace_id: string;
  is_shared: boolean;
  shared_count: number;
  is_free: boolean;
}

export interface ModelRef {
  model_id: string;
  model_name: string;
  model_version: string;
}

export interface ModelArtsServiceData {
  service: ModelArtsService;
  /** Models behind the service; the list's `model_id` filter matches any of them. Not on the wire. */
  models: ModelRef[];
  /** In insertion order; the emulator sorts by occur_time, keeping this order among ties. */
  events: ModelArtsEvent[];
}

export interface ModelArtsDataset {
  projectId: string;
  /** Anchor time: generated events lie in [now - 90 days, now]. */
  now: number;
  services: ModelArtsServiceData[];
  /** Services tests look for by role rather than by name. */
  notable: {
    /** `35de3ca9-...`, holding exactly the nine events of the API page example. */
    seedExampleServiceId: string;
    /** Holds two fully identical records (same occur_time, event_type and event_info). */
    duplicateServiceId: string;
    /** Holds three different records with one occur_time. */
    tiesServiceId: string;
    /** In workspace `OTHER_WORKSPACE_ID`, so hidden from a list without `workspace_id`. */
    otherWorkspaceServiceId: string;
  };
}

export const DEFAULT_WORKSPACE_ID = '0';
export const OTHER_WORKSPACE_ID = '9a1d7e3c5b2f48e6a0c4d8b2f6e1a3c5';
export const HISTORY_MS = 90 * 24 * 3600 * 1000;

export const SEED_EXAMPLE_SERVICE_ID = '35de3ca9-1bca-4ae7-9cb0-914f30fa7d3e';
export const SEED_EXAMPLE_SERVICE_NAME = 'zcjtest-07085';

/** Copied verbatim from the example response on the vendor API page (which lists them oldest first). */
export const SEED_EXAMPLE_EVENTS: readonly ModelArtsEvent[] = Object.freeze([
  { occur_time: 1562597251764, event_type: 'normal', event_info: 'start to deploy service' },
  { occur_time: 1562597251788, event_type: 'normal', event_info: 'building image for model [zcjtestTF 3.0.0]' },
  { occur_time: 1562597251805, event_type: 'normal', event_info: 'model (zcjtestTF 3.0.0) build image success' },
  { occur_time: 1562597255744, event_type: 'normal', event_info: 'preparing environment' },
  { occur_time: 1562597275915, event_type: 'normal', event_info: '[zcjtestTF 3.0.0] prepare environment success' },
  { occur_time: 1562597275921, event_type: 'normal', event_info: '[zcjtestTF 3.0.0] schedule resource success' },
  { occur_time: 1562597275928, event_type: 'normal', event_info: '[zcjtestTF 3.0.0] pulling model image' },
  { occur_time: 1562597332570, event_type: 'normal', event_info: '[zcjtestTF 3.0.0] pull image success' },
  { occur_time: 1562597332582, event_type: 'normal', event_info: '[zcjtestTF 3.0.0] starting model' },
] satisfies ModelArtsEvent[]);

export interface DatasetOptions {
  seed?: number;
  /** Anchor time, epoch ms. */
  now: number;
  /** Multiplies the number of services (8 at scale 1, at least 2). */
  scale?: number;
  projectId: string;
  domainId: string;
  ownerUserId: string;
}

interface Profile {
  name: string;
  description: string;
  inferType: InferType;
  status: ServiceStatus;
  models: Array<[name: string, version: string]>;
  otherWorkspace?: boolean;
}

// Seven profiles fill the default eight services with the seed example; more cycle through
// all of them with a numeric suffix.
const PROFILES: Profile[] = [
  { name: 'helmet-detect-yolov5', description: 'Site safety helmet detection', inferType: 'real-time', status: 'running', models: [['helmetDetect', '1.2.0']] },
  { name: 'bert-sentiment-cn', description: 'Review sentiment, Chinese', inferType: 'real-time', status: 'concerning', models: [['bertSentiment', '2.0.1'], ['bertSentiment', '2.1.0']] },
  { name: 'ocr-invoice-prod', description: 'VAT invoice OCR', inferType: 'real-time', status: 'running', models: [['invoiceOCR', '0.9.7']] },
  { name: 'resnet50-defect-inspect', description: 'Panel defect inspection', inferType: 'real-time', status: 'failed', models: [['defectResNet50', '1.0.0']] },
  { name: 'fraud-score-nightly', description: 'Nightly fraud scoring', inferType: 'batch', status: 'finished', models: [['fraudXGB', '3.4.2']] },
  { name: 'face-quality-edge', description: 'Face image quality at the gate', inferType: 'edge', status: 'stopped', models: [['faceQuality', '1.1.3']] },
  { name: 'asr-callcenter-canary', description: 'Call-center speech recognition (canary)', inferType: 'real-time', status: 'deploying', models: [['asrConformer', '0.3.0']], otherWorkspace: true },
  { name: 'recsys-ranking-v2', description: 'Feed ranking', inferType: 'real-time', status: 'running', models: [['rankDeepFM', '2.2.0'], ['rankDeepFM', '2.3.0']] },
  { name: 'llm-chat-gateway', description: 'Internal assistant', inferType: 'real-time', status: 'waiting', models: [['chatLLM', '7b-0.4']] },
  { name: 'doc-layout-batch', description: 'Archive layout analysis', inferType: 'batch', status: 'running', models: [['layoutLMv3', '1.0.2']] },
];

/** [gap before this event in ms, type, info]. */
type Step = [number, ModelArtsEventType, string];

export function generateModelArtsDataset(options: DatasetOptions): ModelArtsDataset {
  const seed = options.seed ?? 1;
  const scale = options.scale ?? 1;
  const serviceCount = Math.max(2, Math.round(8 * scale));
  const base = mulberry32(seed);
  const services: ModelArtsServiceData[] = [seedExampleService(options, base)];

  for (let i = 1; i < serviceCount; i++) {
    const profile = PROFILES[(i - 1) % PROFILES.length] as Profile;
    const cycle = Math.floor((i - 1) / PROFILES.length);
    // One stream per service: a larger scale adds services without changing earlier ones.
    const random = mulberry32((Math.imul(seed, 0x9e3779b1) + Math.imul(i, 0x85ebca6b)) >>> 0);
    services.push(generatedService(options, profile, cycle, random));
  }

  const duplicate = services[1] as ModelArtsServiceData;
  const ties = services[Math.min(2, services.length - 1)] as ModelArtsServiceData;
  injectDuplicate(duplicate);
  if (ties !== duplicate) injectTies(ties);
  const other = services.find((s) => s.service.workspace_id !== DEFAULT_WORKSPACE_ID) ?? duplicate;

  return {
    projectId: options.projectId,
    now: options.now,
    services,
    notable: {
      seedExampleServiceId: SEED_EXAMPLE_SERVICE_ID,
      duplicateServiceId: duplicate.service.service_id,
      tiesServiceId: ties.service.service_id,
      otherWorkspaceServiceId: other.service.service_id,
    },
  };
}

function seedExampleService(options: DatasetOptions, random: Random): ModelArtsServiceData {
  const last = SEED_EXAMPLE_EVENTS[SEED_EXAMPLE_EVENTS.length - 1] as ModelArtsEvent;
  return {
    service: {
      service_id: SEED_EXAMPLE_SERVICE_ID,
      service_name: SEED_EXAMPLE_SERVICE_NAME,
      description: '',
      tenant: options.domainId,
      project: options.projectId,
      owner: options.ownerUserId,
      publish_at: 1562597251750,
      update_time: last.occur_time,
      transition_at: last.occur_time,
      infer_type: 'real-time',
      status: 'running',
      progress: 100,
      invocation_times: randomInt(random, 10, 500),
      failed_times: 0,
      model_count: 1,
      workspace_id: DEFAULT_WORKSPACE_ID,
      is_shared: false,
      shared_count: 0,
      is_free: false,
    },
    models: [{ model_id: randomUuid(random), model_name: 'zcjtestTF', model_version: '3.0.0' }],
    events: SEED_EXAMPLE_EVENTS.map((e) => ({ ...e })),
  };
}

function generatedService(options: DatasetOptions, profile: Profile, cycle: number, random: Random): ModelArtsServiceData {
  const models: ModelRef[] = profile.models.map(([name, version]) => ({
    model_id: randomUuid(random),
    model_name: name,
    model_version: version,
  }));
  const labels = models.map((m) => `${m.model_name} ${m.model_version}`);
  const windowStart = options.now - HISTORY_MS;
  const target = randomInt(random, 450, 1500);
  const expectedEpisodes = target / 5;
  const meanGap = HISTORY_MS / expectedEpisodes;
  // Keep the last day for the episode that explains the service's current status.
  const mainEnd = options.now - 24 * 3600 * 1000;
  const events: ModelArtsEvent[] = [];

  let t = windowStart + randomInt(random, 0, 3 * 3600 * 1000);
  events.push(...playEpisode(deployEpisode(random, labels, 'start to deploy service', 'ok'), t));
  t = lastTime(events, t);

  while (events.length < target - 15) {
    t += Math.round(meanGap * (0.15 + 1.7 * random()));
    if (t >= mainEnd) break;
    const steps = randomEpisode(random, profile, labels);
    const played = playEpisode(steps, t);
    if (lastTime(played, t) >= mainEnd) break;
    events.push(...played);
    t = lastTime(events, t);
  }

  const closingStart = Math.max(t + 60_000, options.now - randomInt(random, 2, 20) * 3600 * 1000);
  const closing = playEpisode(closingEpisode(random, profile, labels), closingStart).filter((e) => e.occur_time <= options.now);
  events.push(...closing);

  const name = cycle === 0 ? profile.name : `${profile.name}-${cycle + 1}`;
  const invocations = profile.inferType === 'batch' ? randomInt(random, 10, 400) : randomInt(random, 5_000, 5_000_000);
  const first = events[0] as ModelArtsEvent;
  const lastEvent = events[events.length - 1] as ModelArtsEvent;
  const service: ModelArtsService = {
    service_id: randomUuid(random),
    service_name: name,
    description: profile.description,
    tenant: options.domainId,
    project: options.projectId,
    owner: options.ownerUserId,
    publish_at: first.occur_time - randomInt(random, 0, 2000),
    update_time: lastEvent.occur_time,
    transition_at: lastEvent.occur_time,
    infer_type: profile.inferType,
    status: profile.status,
    progress: profile.status === 'deploying' ? randomInt(random, 20, 90) : 100,
    invocation_times: invocations,
    failed_times: Math.floor(invocations * random() * 0.02),
    model_count: models.length,
    workspace_id: profile.otherWorkspace ? OTHER_WORKSPACE_ID : DEFAULT_WORKSPACE_ID,
    is_shared: false,
    shared_count: 0,
    is_free: false,
  };
  if (profile.status === 'failed') service.error_msg = lastAbnormal(events) ?? 'deploy service failed';
  return { service, models, events };
}

function playEpisode(steps: Step[], start: number): ModelArtsEvent[] {
  let t = start;
  return steps.map(([gap, type, info]) => {
    t += gap;
    return { occur_time: t, event_type: type, event_info: info };
  });
}

function lastTime(events: ModelArtsEvent[], fallback: number): number {
  return events.length === 0 ? fallback : (events[events.length - 1] as ModelArtsEvent).occur_time;
}

function lastAbnormal(events: ModelArtsEvent[]): string | undefined {
  for (let i = events.length - 1; i >= 0; i--) if (events[i]?.event_type === 'abnormal') return events[i]?.event_info;
  return undefined;
}

/** A small gap, sometimes 0 ms: the real log often stamps consecutive steps in the same ms. */
function quick(random: Random, max: number): number {
  return random() < 0.08 ? 0 : randomInt(random, 1, max);
}

type DeployOutcome = 'ok' | 'build-failed' | 'schedule-failed' | 'pull-failed' | 'start-failed';

function deployEpisode(random: Random, labels: string[], opening: string, outcome: DeployOutcome): Step[] {
  const steps: Step[] = [[0, 'normal', opening]];
  for (const m of labels) {
    steps.push([quick(random, 40), 'normal', `building image for model [${m}]`]);
    if (outcome === 'build-failed') {
      steps.push([randomInt(random, 30_000, 400_000), 'abnormal', `model (${m}) build image failed: ${pick(random, BUILD_ERRORS)}`]);
      steps.push([quick(random, 30), 'abnormal', 'deploy service failed']);
      return steps;
    }
    const cached = random() < 0.6;
    steps.push([cached ? quick(random, 40) : randomInt(random, 30_000, 400_000), 'normal', `model (${m}) build image success`]);
  }
  steps.push([randomInt(random, 1_000, 8_000), 'normal', 'preparing environment']);
  for (const m of labels) {
    steps.push([randomInt(random, 5_000, 30_000), 'normal', `[${m}] prepare environment success`]);
    if (outcome === 'schedule-failed') {
      steps.push([randomInt(random, 60_000, 600_000), 'abnormal', `[${m}] schedule resource failed: ${pick(random, SCHEDULE_ERRORS)}`]);
      steps.push([quick(random, 30), 'abnormal', 'deploy service failed']);
      return steps;
    }
    steps.push([quick(random, 15), 'normal', `[${m}] schedule resource success`]);
    steps.push([quick(random, 10), 'normal', `[${m}] pulling model image`]);
    if (outcome === 'pull-failed') {
      steps.push([randomInt(random, 30_000, 300_000), 'abnormal', `[${m}] pull image failed: ${pick(random, PULL_ERRORS)}`]);
      steps.push([quick(random, 30), 'abnormal', 'deploy service failed']);
      return steps;
    }
    steps.push([randomInt(random, 15_000, 120_000), 'normal', `[${m}] pull image success`]);
    steps.push([quick(random, 20), 'normal', `[${m}] starting model`]);
    if (outcome === 'start-failed') {
      steps.push([randomInt(random, 60_000, 1_200_000), 'abnormal', `[${m}] model start failed: ${pick(random, START_ERRORS)}`]);
      steps.push([quick(random, 30), 'abnormal', 'deploy service failed']);
      return steps;
    }
    steps.push([randomInt(random, 5_000, 90_000), 'normal', `[${m}] model start success`]);
  }
  steps.push([quick(random, 50), 'normal', 'service is running']);
  return steps;
}

/** A stopped service coming back: images are cached, so it goes straight to scheduling. */
function restartSteps(random: Random, labels: string[]): Step[] {
  const steps: Step[] = [];
  for (const m of labels) {
    steps.push([randomInt(random, 1_000, 8_000), 'normal', `[${m}] schedule resource success`]);
    steps.push([quick(random, 10), 'normal', `[${m}] pulling model image`]);
    steps.push([randomInt(random, 5_000, 40_000), 'normal', `[${m}] pull image success`]);
    steps.push([quick(random, 20), 'normal', `[${m}] starting model`]);
    steps.push([randomInt(random, 5_000, 60_000), 'normal', `[${m}] model start success`]);
  }
  steps.push([quick(random, 50), 'normal', 'service is running']);
  return steps;
}

const BUILD_ERRORS = [
  'pip install -r requirements.txt exited with code 1',
  'base image swr.cn-north-4.myhuaweicloud.com/modelarts/tensorflow_2_1:train not found',
  'image size 21.4GB exceeds the 20GB limit',
];
const SCHEDULE_ERRORS = [
  '0/12 nodes are available: 12 Insufficient nvidia.com/gpu',
  'resource pool pool-gpu-a100 has no free node',
  '0/8 nodes are available: 8 Insufficient memory',
];
const PULL_ERRORS = [
  'Back-off pulling image: context deadline exceeded',
  'ErrImagePull: unauthorized to access repository',
];
const START_ERRORS = [
  'health check on port 8080 did not pass within 1200s',
  'process exited with code 137 (OOMKilled)',
  'ModuleNotFoundError: No module named \'cv2\'',
];

function instanceName(random: Random): string {
  return `modelarts-infer-${randomHex(random, 5)}-${randomHex(random, 5)}`;
}

function randomEpisode(random: Random, profile: Profile, labels: string[]): Step[] {
  const m = pick(random, labels);
  const instance = instanceName(random);
  if (profile.inferType === 'batch') {
    const files = randomInt(random, 200, 20_000);
    return pickWeighted<() => Step[]>(random, [
      [
        () => [
          [0, 'normal', 'start to run batch service'],
          [randomInt(random, 1_000, 20_000), 'normal', `[${m}] processing obs://eventgraph-demo/batch/in/ (${files} files)`],
          [randomInt(random, 600_000, 5_400_000), 'normal', `batch service finished: ${files} succeeded, 0 failed`],
        ],
        6,
      ],
      [
        () => [
          [0, 'normal', 'start to run batch service'],
          [randomInt(random, 1_000, 20_000), 'normal', `[${m}] processing obs://eventgraph-demo/batch/in/ (${files} files)`],
          [randomInt(random, 60_000, 3_000_000), 'abnormal', `[${m}] ${randomInt(random, 1, 40)} files failed: invalid input format`],
          [quick(random, 200), 'abnormal', 'batch service failed'],
        ],
        1,
      ],
      [() => deployEpisode(random, labels, 'start to update service', 'ok'), 1],
    ])();
  }
  if (profile.inferType === 'edge') {
    const node = `edge-node-${String(randomInt(random, 1, 12)).padStart(2, '0')}`;
    return pickWeighted<() => Step[]>(random, [
      [
        () => [
          [0, 'abnormal', `edge node ${node} is offline`],
          [randomInt(random, 60_000, 7_200_000), 'normal', `edge node ${node} is online`],
        ],
        4,
      ],
      [() => [[0, 'normal', `deploy to edge node ${node}`], ...deployEpisode(random, labels, 'start to update service', 'ok').slice(1)], 2],
      [() => [[0, 'abnormal', `[${m}] instance on ${node} restarted: container OOMKilled (memory limit 2Gi)`]], 1],
    ])();
  }
  const from = randomInt(random, 1, 4);
  const to = from + pick(random, [-1, 1, 2]);
  return pickWeighted<() => Step[]>(random, [
    [() => deployEpisode(random, labels, 'start to update service', 'ok'), 4],
    [() => deployEpisode(random, labels, 'start to update service', pick(random, ['build-failed', 'schedule-failed', 'pull-failed', 'start-failed'] as const)), 1],
    [
      () => [
        [0, 'normal', `start to scale service: instance count of [${m}] from ${from} to ${Math.max(1, to)}`],
        [randomInt(random, 20_000, 180_000), 'normal', `[${m}] scale instance success, current instance count ${Math.max(1, to)}`],
      ],
      4,
    ],
    [
      () => [
        [0, 'abnormal', `[${m}] instance ${instance} health check failed: GET /health returned 503`],
        ...(random() < 0.8
          ? ([[randomInt(random, 10_000, 600_000), 'normal', `[${m}] instance ${instance} recovered`]] as Step[])
          : ([[randomInt(random, 10_000, 60_000), 'abnormal', `[${m}] instance ${instance} restarted after 3 failed health checks`]] as Step[])),
      ],
      5,
    ],
    [
      () => [
        [0, 'abnormal', `[${m}] instance ${instance} restarted: container OOMKilled (memory limit 8Gi)`],
        [randomInt(random, 20_000, 120_000), 'normal', `[${m}] instance ${instance} is running again`],
      ],
      3,
    ],
    [
      () => [
        [0, 'abnormal', `[${m}] instance ${instance} evicted: node 192.168.${randomInt(random, 0, 15)}.${randomInt(random, 2, 250)} is NotReady`],
        [quick(random, 500), 'normal', `[${m}] schedule resource success`],
        [quick(random, 10), 'normal', `[${m}] pulling model image`],
        [randomInt(random, 15_000, 90_000), 'normal', `[${m}] pull image success`],
        [quick(random, 20), 'normal', `[${m}] starting model`],
        [randomInt(random, 5_000, 60_000), 'normal', `[${m}] model start success`],
      ],
      1,
    ],
    [
      () => [
        [0, 'normal', 'start to stop service'],
        [randomInt(random, 2_000, 30_000), 'normal', 'service stopped'],
        [randomInt(random, 600_000, 6 * 3600_000), 'normal', 'start to start service'],
        ...restartSteps(random, labels),
      ],
      1,
    ],
    [() => [[0, 'normal', pick(random, CONFIG_CHANGES)]], 2],
  ])();
}

const CONFIG_CHANGES = [
  'update service description',
  'update service configuration: auto stop disabled',
  'update service configuration: auto stop after 8 hours',
  'update service configuration: traffic weights 80/20',
  'update service configuration: log to LTS enabled',
];

/** The last episode, a few hours before `now`, explains the status the list shows. */
function closingEpisode(random: Random, profile: Profile, labels: string[]): Step[] {
  const m = pick(random, labels);
  switch (profile.status) {
    case 'failed':
      return deployEpisode(random, labels, 'start to update service', 'schedule-failed');
    case 'stopped':
      return [[0, 'normal', 'start to stop service'], [randomInt(random, 2_000, 30_000), 'normal', 'service stopped']];
    case 'concerning':
      return [
        [0, 'abnormal', `[${m}] instance ${instanceName(random)} health check failed: GET /health returned 503`],
        [randomInt(random, 30_000, 120_000), 'abnormal', `[${m}] 1 of 3 instances abnormal`],
      ];
    case 'deploying':
      return deployEpisode(random, labels, 'start to update service', 'ok').slice(0, 4);
    case 'waiting':
      return [[0, 'normal', 'start to deploy service'], [quick(random, 50), 'normal', 'waiting for resources in queue']];
    case 'finished':
      return [
        [0, 'normal', 'start to run batch service'],
        [randomInt(random, 600_000, 3_600_000), 'normal', 'batch service finished: 1800 succeeded, 0 failed'],
      ];
    default:
      return [[0, 'normal', pick(random, CONFIG_CHANGES)]];
  }
}

/** Two fully identical records mid-log: the client must keep both, and tell them apart. */
function injectDuplicate(data: ModelArtsServiceData): void {
  const k = Math.floor(data.events.length / 2);
  const original = data.events[k] as ModelArtsEvent;
  data.events.splice(k + 1, 0, { ...original });
}

/** Three different records in one millisecond, an alarm burst. */
function injectTies(data: ModelArtsServiceData): void {
  const k = Math.floor(data.events.length / 3);
  const at = (data.events[k] as ModelArtsEvent).occur_time;
  const label = data.models[0] ? `${data.models[0].model_name} ${data.models[0].model_version}` : 'model';
  data.events.splice(
    k + 1,
    0,
    { occur_time: at, event_type: 'abnormal', event_info: `[${label}] instance alarm: CPU usage above 95% for 5 minutes` },
    { occur_time: at, event_type: 'abnormal', event_info: `[${label}] instance alarm: request latency p99 above 2000 ms` },
  );
}

/** Deep copy, so a reset can restore the seeded state after appends. */
export function cloneDataset(dataset: ModelArtsDataset): ModelArtsDataset {
  return structuredClone(dataset);
}
