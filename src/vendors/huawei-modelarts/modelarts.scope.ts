import type { ModelArtsSource } from './modelarts.source.js';

/*
 * What a ModelArts source may be asked natively: the services its configuration names
 * (`scope.services`), or every service of its project when it names none. Checked before any
 * upstream call; the GraphQL side turns a violation into FORBIDDEN naming the argument.
 */

/** The services the source is configured to read; undefined for every service of its project. */
export function scopedServices(source: ModelArtsSource): readonly string[] | undefined {
  // The source keeps its configuration to itself; its scope is read here, in one place, and
  // only read. (Element access is TypeScript's way to reach a private member on purpose.)
  return source['config'].scope.services;
}

/** Why a service id leaves the source's scope; undefined when it does not. */
export function serviceOutOfScope(source: ModelArtsSource, serviceId: string): string | undefined {
  const services = scopedServices(source);
  if (services === undefined || services.includes(serviceId)) return undefined;
  return `service "${serviceId}" is not in the scope of source "${source.name}" (${services.join(', ')})`;
}
