import { z } from 'zod';
import { commonSourceFields, httpPolicyField, ianaZone, type RateLimitDefaults } from '../../config/source-config.fields.js';

/**
 * Default rate limit of one bk-repo source. bk-repo is self-hosted and documents no quota,
 * but one source fans out to repositories × event types streams (36 in the demo), so a
 * cold page is one burst of that many calls: a burst of 40 lets such a page go at once, and
 * 20 a second keeps a stream of pages from crowding a server that also serves artifacts.
 */
export const BKREPO_RATE_LIMIT: RateLimitDefaults = { perSecond: 20, burst: 40 };

/** bk-repo auth (docs/vendors/bkrepo.md): Basic with a password or user token, or Platform for a user. */
export const bkRepoCredentialsSchema = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('basic'),
      username: z.string().min(1),
      /** The password, or a personal access token: bk-repo accepts either. */
      password: z.string().min(1),
    })
    .strict(),
  z
    .object({
      type: z.literal('platform'),
      accessKey: z.string().min(1),
      secretKey: z.string().min(1),
      /** Sent as X-BKREPO-UID: the user the platform acts for (needs MANAGE on the project). */
      userId: z.string().min(1),
    })
    .strict(),
]);

export type BkRepoCredentials = z.infer<typeof bkRepoCredentialsSchema>;

/** The event types that bk-repo's documentation links as public. */
export const BKREPO_PUBLIC_EVENT_TYPES = [
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

export const bkRepoSourceSchema = z
  .object({
    ...commonSourceFields,
    http: httpPolicyField(BKREPO_RATE_LIMIT),
    kind: z.literal('bkrepo'),
    credentials: bkRepoCredentialsSchema,
    scope: z
      .object({
        projectId: z.string().min(1),
        /** Repositories to read; each (repository, event type) pair is one stream. */
        repositories: z
          .array(z.string().min(1))
          .min(1)
          .refine((list) => new Set(list).size === list.length, { message: 'must not name a repository twice' }),
        /** bk-repo's resourceKey pattern: a prefix in which `*` matches anything. */
        resourceKeyPrefix: z.string().min(1).default('/'),
        eventTypes: z
          .array(z.string().regex(/^[A-Z][A-Z0-9_]*$/, 'must be an event type such as NODE_DOWNLOADED'))
          .min(1)
          .refine((list) => new Set(list).size === list.length, { message: 'must not name an event type twice' })
          .default(() => [...BKREPO_PUBLIC_EVENT_TYPES]),
      })
      .strict(),
    /** Zone of createdDate when the server does not name one in X-BKREPO-Time-Zone. */
    timeZone: ianaZone.default('Asia/Shanghai'),
  })
  .strict();

export type BkRepoSourceConfig = z.infer<typeof bkRepoSourceSchema>;

