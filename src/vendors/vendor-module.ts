import type { z } from 'zod';
import type { SourceSchema } from '../config/config.schema.js';
import type { AnyEmulatorStarter, HandleOf } from '../emulators/common/emulator.starter.js';
import type { EventRecord } from '../model/event.model.js';
import type { EventSource, SourceSession } from '../timeline/event-source.js';

/**
 * Everything eventgraph knows of one vendor's log, in one value. A vendor is one folder under
 * `src/vendors/` that exports one of these (`<vendor>.vendor.ts`); `vendors.ts` lists them,
 * and every part that knows every vendor (the configuration's union, the sources, the
 * schema's types, enums and native queries, demo mode, `npm run emulators`, the benchmark and
 * the test oracle) iterates that list. Adding a sixth vendor is one folder and one line.
 */
export interface VendorModule<
  Schema extends SourceSchema = SourceSchema,
  Source extends EventSource = EventSource,
  Record extends EventRecord = EventRecord,
  Starter extends AnyEmulatorStarter = AnyEmulatorStarter,
  Shared extends AnyEmulatorStarter = never,
> {
  /** The value of `kind` that picks this vendor for a source of the configuration, e.g. `tencent-ccr`. */
  readonly configKind: z.infer<Schema>['kind'];
  /** What it reads, in a few words, e.g. "Tencent Cloud CCR trigger logs". */
  readonly title: string;
  /** A short name for tables and logs, e.g. "Tencent CCR". */
  readonly label: string;
  /** Its value of the schema's EventKind: one per vendor module. */
  readonly eventKind: EnumValue<Record['kind']>;
  /** Its value of the schema's Vendor: vendor modules of one company share it. */
  readonly vendor: EnumValue<Record['vendor']>;
  /** One source of this vendor in the configuration: a strict object whose `kind` is `configKind`. */
  readonly configSchema: Schema;
  /** A configured source: long-lived, it owns the upstream client. */
  createSource(config: z.output<Schema>): Source;
  readonly graphql: VendorGraphQL;
  readonly emulator: VendorEmulator<Starter, Shared>;
  /** The source of demo mode, as a configuration document, pointed at the running emulator. */
  demoSource(emulator: HandleOf<Starter>): DemoSourceDocument;
  /** Its page of the documentation, from the repository root: auth, paging, time, ids, quirks. */
  readonly docs: string;
}

/** A value of one of the schema's enums, with the description GraphiQL shows. */
export interface EnumValue<Name extends string = string> {
  readonly name: Name;
  readonly description: string;
}

/** What the vendor adds to the GraphQL schema. */
export interface VendorGraphQL {
  /**
   * The type-graphql class of its events: it implements the Event interface, and its file
   * ties its fields to the record type (`EventTypeMatches`), so that drift fails typecheck.
   */
  readonly eventType: GraphQLClass;
  /** The GraphQL name of that class, which `resolveType` answers for the vendor's kind. */
  readonly typeName: string;
  /** Its native queries (every upstream parameter, typed): type-graphql resolver classes. */
  readonly resolvers: readonly GraphQLClass[];
}

// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
export type GraphQLClass = Function;

export interface VendorEmulator<Starter extends AnyEmulatorStarter, Shared extends AnyEmulatorStarter = never> {
  readonly starter: Starter;
  /** Emulators it needs beside it (the Huawei IAM): started once for all who name them. */
  readonly uses?: readonly Shared[];
  /** The credentials it accepts, for `npm run emulators` to print (once, when modules share them). */
  readonly credentials: DemoCredentials;
  /** What `npm run emulators` prints about its data. */
  describe(emulator: HandleOf<Starter>): string[];
}

export interface DemoCredentials {
  /** Whose they are and how they sign, e.g. "Huawei Cloud (IAM token or AK/SK)". */
  readonly title: string;
  readonly values: Readonly<Record<string, string>>;
}

/** One entry of `sources` in the configuration, before validation. */
export interface DemoSourceDocument {
  name: string;
  kind: string;
  [key: string]: unknown;
}

/** Any vendor module, whatever its types; what a list of them holds. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyVendorModule = VendorModule<any, any, any, any, any>;

/** The session a vendor's sources open: what its native resolvers get from `RequestContext.session`. */
export type SessionOf<V extends AnyVendorModule> = ReturnType<ReturnType<V['createSource']>['openSession']> & SourceSession;

/** The configuration of one source of the vendor, validated. */
export type SourceConfigOf<V extends AnyVendorModule> = z.output<V['configSchema']>;

/** Declares a vendor module, inferring its types. */
export function defineVendor<
  Schema extends SourceSchema,
  Source extends EventSource,
  Record extends EventRecord,
  Starter extends AnyEmulatorStarter,
  Shared extends AnyEmulatorStarter = never,
>(module: VendorModule<Schema, Source, Record, Starter, Shared>): VendorModule<Schema, Source, Record, Starter, Shared> {
  return module;
}
