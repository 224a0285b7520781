import type { BkRepoSourceConfig } from './bkrepo.config.js';
import { matchesResourcePattern } from './bkrepo.resource-key.js';

/*
 * What a bk-repo source may be asked natively, and which event ids it may look up: its
 * configured project, its configured repositories, and resource keys within its
 * `resourceKeyPrefix`. Checked before any upstream call; the GraphQL side turns a violation
 * into FORBIDDEN naming the argument.
 */

type Scope = BkRepoSourceConfig['scope'];

/** Why a request leaves the scope, for the argument at fault. */
export interface ScopeViolation {
  argument: string;
  message: string;
}

/**
 * Characters a bk-repo server reads as regular-expression syntax (it builds `^` + the key
 * without escaping: docs/vendors/bkrepo.md), apart from `*` (any run) and `.` (any one
 * character), whose reach the prefix check below accounts for. Any of these can make a
 * pattern read more than its text says (`|` drops the anchor, `b?` makes `b` optional), so a
 * pattern holding one cannot be shown to stay within a narrower prefix.
 */
const REGEX_SYNTAX = /[+?^${}()|[\]\\]/;

/** The project and repository of an `auditLogs` query or an event id, when they leave the scope. */
export function repositoryOutOfScope(sourceName: string, scope: Scope, projectId: string, repoName: string): ScopeViolation | undefined {
  if (projectId !== scope.projectId) {
    return { argument: 'projectId', message: `project "${projectId}" is not in the scope of source "${sourceName}" (${scope.projectId})` };
  }
  if (!scope.repositories.includes(repoName)) {
    return {
      argument: 'repoName',
      message: `repository "${repoName}" is not in the scope of source "${sourceName}" (${scope.repositories.join(', ')})`,
    };
  }
  return undefined;
}

/** A `resourceKey` pattern that may read keys outside the source's `resourceKeyPrefix`. */
export function resourceKeyOutOfScope(sourceName: string, scope: Scope, resourceKey: string): ScopeViolation | undefined {
  if (resourcePatternWithin(resourceKey, scope.resourceKeyPrefix)) return undefined;
  return {
    argument: 'resourceKey',
    message: `resourceKey "${resourceKey}" reaches outside the scope of source "${sourceName}" (resourceKeyPrefix "${scope.resourceKeyPrefix}"): it must start within that prefix, with no pattern character but * and .`,
  };
}

/**
 * Whether every key the server matches with `pattern` is one it matches with `scopePrefix`.
 * A prefix of only `*` reads everything, so anything is within it. Otherwise the pattern must
 * hold no regular-expression syntax, and its text before the first `*` must be a key the
 * scope's prefix matches: every key the pattern reads starts with that text (a `.` in it
 * standing for any one character, which the check reads literally, so that a literal in the
 * prefix never lets a `.` through), and the prefix has no end anchor, so it matches the key.
 */
export function resourcePatternWithin(pattern: string, scopePrefix: string): boolean {
  if (/^\*+$/.test(scopePrefix)) return true;
  if (REGEX_SYNTAX.test(pattern)) return false;
  const star = pattern.indexOf('*');
  const head = star < 0 ? pattern : pattern.slice(0, star);
  return matchesResourcePattern(scopePrefix, head);
}
