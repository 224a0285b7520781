import { mulberry32, pick, pickWeighted, randomHex, randomInt, type Random } from '../common/mulberry32.js';

/**
 * Deterministic bk-repo operation-log data (docs/vendors/bkrepo.md): several projects and
 * repositories, the 12 public event types, paths at several depths, users and client
 * addresses, plus the example record of the API page verbatim. Records are kept with their
 * instant (epoch ms); the emulator writes `createdDate` in whatever zone a request asks for.
 * The same (seed, now, scale) always gives the same data.
 */

export const PUBLIC_EVENT_TYPES = [
  'PROJECT_CREATED',
  'REPO_CREATED',
  'REPO_UPDATED',
  'NODE_CREATED',
  'NODE_DOWNLOADED',
  'NODE_RENAMED',
  'NODE_MOVED',
  'NODE_COPIED',
  'NODE_DELETED',
  'METADATA_DELETED',
  'METADATA_SAVED',
  'VERSION_CREATED',
] as const;
export type PublicEventType = (typeof PUBLIC_EVENT_TYPES)[number];

/** One stored log record: the wire record minus `createdDate`, plus its instant. */
export interface BkRepoLogRecord {
  /** Epoch ms; bk-repo keeps milliseconds, so `createdDate` never has more than 3 digits. */
  at: number;
  type: string;
  projectId: string;
  /** Empty for project-level events (PROJECT_CREATED), as bk-repo records them. */
  repoName: string;
  /**
   * A node's full path for node and metadata events, the repository name for repository
   * events, the project id for PROJECT_CREATED, the package key for VERSION_CREATED.
   */
  resourceKey: string;
  userId: string;
  clientAddress: string;
  description: Record<string, unknown>;
}

export interface BkRepoDataset {
  /** Anchor time: generated records lie in [now - HISTORY_MS, now]. */
  now: number;
  /** Projects and their repositories. */
  projects: Record<string, string[]>;
  /** In insertion order; the emulator sorts by `at`, keeping this order among ties. */
  records: BkRepoLogRecord[];
}

/** Twice the server's 3-month default window, so that the default visibly hides records. */
export const HISTORY_MS = 180 * 24 * 3600 * 1000;

export const SEED_PROJECT = 'test';
export const SEED_REPO = 'generic-local';

/** The example record of the vendor API page, as an instant: 2022-08-02T15:20:47.235 in Asia/Shanghai. */
export const SEED_EXAMPLE_RECORD: Readonly<BkRepoLogRecord> = Object.freeze({
  at: Date.UTC(2022, 7, 2, 7, 20, 47, 235),
  type: 'NODE_DOWNLOADED',
  projectId: 'test',
  repoName: 'generic-local',
  resourceKey: '/release/1.0.0/boot-example.jar',
  userId: 'admin',
  clientAddress: '127.0.0.1',
  description: {
    md5: '036208b4a1ab4a235d75c181e685e5a3',
    sha256: '6671fe83b7a07c8932ee89164d1f2793b2318058eb8b98dc5c06ee0a5a3b0ec1',
  },
});

const PROJECTS: Record<string, string[]> = {
  test: ['generic-local', 'maven-local', 'docker-local'],
  bkdevops: ['generic-local', 'npm-local'],
  blueking: ['helm-local'],
};

const USERS = ['admin', 'demo-user', 'ci-bot', 'alice', 'bob', 'carol'] as const;
const CLIENTS = ['127.0.0.1', '10.0.3.17', '10.0.3.18', '10.12.40.2', '192.168.1.25', '172.16.8.9'] as const;

const TYPE_WEIGHTS: ReadonlyArray<readonly [PublicEventType, number]> = [
  ['NODE_DOWNLOADED', 30],
  ['NODE_CREATED', 18],
  ['METADATA_SAVED', 8],
  ['NODE_DELETED', 6],
  ['NODE_COPIED', 4],
  ['NODE_MOVED', 4],
  ['NODE_RENAMED', 4],
  ['METADATA_DELETED', 3],
  ['VERSION_CREATED', 5],
  ['REPO_UPDATED', 2],
];

export interface BkRepoDatasetOptions {
  seed?: number;
  now: number;
  /** Multiplies the number of records per repository (about 250 at scale 1). */
  scale?: number;
}

export function generateBkRepoDataset(options: BkRepoDatasetOptions): BkRepoDataset {
  const seed = options.seed ?? 1;
  const scale = options.scale ?? 1;
  const records: BkRepoLogRecord[] = [];
  let repoIndex = 0;
  for (const [projectId, repos] of Object.entries(PROJECTS)) {
    const projectStart = options.now - HISTORY_MS;
    const projectRandom = mulberry32((Math.imul(seed, 0x9e3779b1) ^ hashText(projectId)) >>> 0);
    records.push({
      at: projectStart + randomInt(projectRandom, 0, 3_600_000),
      type: 'PROJECT_CREATED',
      projectId,
      repoName: '',
      resourceKey: projectId,
      userId: 'admin',
      clientAddress: pick(projectRandom, CLIENTS),
      description: { name: projectId, displayName: projectId, createdBy: 'admin' },
    });
    for (const repoName of repos) {
      repoIndex += 1;
      // One PRNG per repository: a larger scale adds records without reshuffling the others.
      const random = mulberry32((Math.imul(seed, 0x85ebca6b) + Math.imul(repoIndex, 0xc2b2ae35)) >>> 0);
      records.push(...generateRepo(random, projectId, repoName, options.now, scale));
    }
  }
  records.push(...notableRecords(options.now));
  return { now: options.now, projects: structuredClone(PROJECTS), records };
}

function generateRepo(random: Random, projectId: string, repoName: string, now: number, scale: number): BkRepoLogRecord[] {
  const out: BkRepoLogRecord[] = [];
  const start = now - HISTORY_MS + randomInt(random, 3_600_000, 2 * 86_400_000);
  const repoType = repoName.split('-')[0]!.toUpperCase();
  out.push({
    at: start,
    type: 'REPO_CREATED',
    projectId,
    repoName,
    resourceKey: repoName,
    userId: 'admin',
    clientAddress: pick(random, CLIENTS),
    description: { repoType, public: false },
  });
  const target = Math.max(20, Math.round(randomInt(random, 200, 300) * scale));
  const meanGap = (now - start) / (target + 1);
  const files = filePool(random, repoName);
  let t = start;
  for (let i = 0; i < target; i++) {
    t += Math.max(1, Math.round(meanGap * (0.05 + 1.9 * random())));
    if (t > now) break;
    const type = pickWeighted(random, TYPE_WEIGHTS);
    out.push(recordOf(random, { at: withFraction(random, t), type, projectId, repoName, path: pick(random, files), repoType }));
  }
  return out;
}

/** Millisecond parts chosen so that `.235`, `.2` and no fraction at all all occur. */
function withFraction(random: Random, t: number): number {
  const second = Math.floor(t / 1000) * 1000;
  const roll = random();
  if (roll < 0.1) return second;
  if (roll < 0.2) return second + randomInt(random, 1, 9) * 100;
  return second + randomInt(random, 1, 999);
}

function filePool(random: Random, repoName: string): string[] {
  if (repoName.startsWith('maven')) {
    return ['/com/tencent/bk/boot-example/1.0.0/boot-example-1.0.0.jar', '/com/tencent/bk/boot-example/1.0.0/boot-example-1.0.0.pom', '/com/tencent/bk/sdk/2.3.1/sdk-2.3.1.jar'];
  }
  if (repoName.startsWith('docker')) {
    return ['/nginx/1.25/manifest.json', '/bkrepo/backend/v1.4.2/manifest.json', '/redis/7.2/manifest.json'];
  }
  if (repoName.startsWith('npm')) return ['/@blueking/ui/-/ui-1.0.3.tgz', '/lodash/-/lodash-4.17.21.tgz'];
  if (repoName.startsWith('helm')) return ['/bk-repo-1.4.2.tgz', '/index.yaml'];
  const builds = Array.from({ length: 3 }, () => `/build/${randomInt(random, 100, 999)}/artifact.tar.gz`);
  return ['/release/1.0.0/boot-example.jar', '/release/1.0.1/boot-example.jar', '/release/readme.md', '/readme.md', '/a/x.jar', '/a/b/c/deep.bin', ...builds];
}

function recordOf(
  random: Random,
  r: { at: number; type: PublicEventType; projectId: string; repoName: string; path: string; repoType: string },
): BkRepoLogRecord {
  const userId = r.type === 'NODE_CREATED' && random() < 0.5 ? 'ci-bot' : pick(random, USERS);
  const base = { at: r.at, type: r.type, projectId: r.projectId, repoName: r.repoName, userId, clientAddress: pick(random, CLIENTS) };
  const digests = { md5: randomHex(random, 32), sha256: randomHex(random, 64) };
  switch (r.type) {
    case 'REPO_UPDATED':
      return { ...base, resourceKey: r.repoName, description: { repoType: r.repoType, public: random() < 0.2 } };
    case 'VERSION_CREATED': {
      const name = r.path.split('/').filter(Boolean).at(-1) ?? 'artifact';
      const version = `${randomInt(random, 0, 3)}.${randomInt(random, 0, 9)}.${randomInt(random, 0, 20)}`;
      return { ...base, resourceKey: `${r.repoType.toLowerCase()}://${name}`, description: { packageName: name, packageVersion: version, packageType: r.repoType } };
    }
    case 'NODE_CREATED':
      return {
        ...base,
        resourceKey: r.path,
        // Uploads from pipelines carry the pipeline and build, as the node's metadata does.
        description:
          userId === 'ci-bot'
            ? { ...digests, pipelineId: `p-${randomHex(random, 6)}`, buildId: `b-${randomHex(random, 6)}` }
            : digests,
      };
    case 'NODE_RENAMED':
      return { ...base, resourceKey: r.path, description: { ...digests, newFullPath: `${r.path}.renamed` } };
    case 'NODE_MOVED':
    case 'NODE_COPIED':
      return {
        ...base,
        resourceKey: r.path,
        description: { ...digests, dstProjectId: r.projectId, dstRepoName: r.repoName, dstFullPath: `/archive${r.path}` },
      };
    case 'METADATA_SAVED':
    case 'METADATA_DELETED':
      return { ...base, resourceKey: r.path, description: { ...digests, metadata: { stage: pick(random, ['alpha', 'beta', 'release']) } } };
    default:
      return { ...base, resourceKey: r.path, description: digests };
  }
}

/** Records that tests look for by role: the seed example, wildcard cases, ties and twins. */
function notableRecords(now: number): BkRepoLogRecord[] {
  const at = (daysAgo: number, ms: number) => Math.floor((now - daysAgo * 86_400_000) / 1000) * 1000 + ms;
  const node = (type: string, resourceKey: string, time: number, extra: Record<string, unknown> = {}): BkRepoLogRecord => ({
    at: time,
    type,
    projectId: SEED_PROJECT,
    repoName: SEED_REPO,
    resourceKey,
    userId: 'demo-user',
    clientAddress: '10.0.3.17',
    description: {
      md5: 'd41d8cd98f00b204e9800998ecf8427e',
      sha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
      ...extra,
    },
  });
  const twin = node('NODE_DOWNLOADED', '/release/1.0.1/boot-example.jar', at(10, 500));
  const tieAt = at(11, 700);
  return [
    { ...SEED_EXAMPLE_RECORD, description: { ...SEED_EXAMPLE_RECORD.description } },
    // `/a/*.jar` matches both: a prefix, `*` across anything, no end anchor.
    node('NODE_CREATED', '/a/x.jarx', at(20, 200)),
    node('NODE_CREATED', '/a/b/y.jar', at(20, 0)),
    // Two records identical in every field, and three different ones in one millisecond.
    twin,
    { ...twin, description: { ...twin.description } },
    node('NODE_DOWNLOADED', '/release/1.0.0/boot-example.jar', tieAt),
    node('NODE_DOWNLOADED', '/release/readme.md', tieAt),
    { ...node('NODE_DOWNLOADED', '/readme.md', tieAt), userId: 'alice' },
    // The pipeline that the API page example request asks about.
    node('NODE_CREATED', '/release/1.0.0/boot-example.jar', at(30, 235), { pipelineId: 'p-123456', buildId: 'b-123456' }),
  ];
}

function hashText(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}
