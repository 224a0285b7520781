import { configSchemaFor, type Config, type ConfigSchema } from '../config/config.schema.js';
import type { EventSource } from '../timeline/event-source.js';
import type { AnyVendorModule, EnumValue, SourceConfigOf } from './vendor-module.js';

/**
 * What a list of vendor modules gives the rest of eventgraph: the configuration schema, the
 * sources, and the schema's enum values. Made once from `VENDORS` by the entry points, or
 * from a longer list by a test that adds a vendor; everything downstream is handed it.
 */
export class VendorRegistry<L extends readonly AnyVendorModule[] = readonly AnyVendorModule[]> {
  /** The configuration document over these vendors' source schemas. */
  readonly configSchema: ConfigSchema<L[number]['configSchema']>;
  /** EventKind's values, one per module, in the list's order. */
  readonly kinds: readonly EnumValue[];
  /** Vendor's values, each once, in the order of the first module that names it. */
  readonly vendors: readonly EnumValue[];
  private readonly byConfigKind = new Map<string, L[number]>();
  private readonly byEventKind = new Map<string, L[number]>();

  constructor(readonly modules: L) {
    const vendors = new Map<string, EnumValue>();
    for (const module of modules) {
      // Kinds key the schema's types, sessions and config: two modules may not share one.
      if (this.byConfigKind.has(module.configKind)) throw new Error(`two vendor modules use the configuration kind "${module.configKind}"`);
      if (this.byEventKind.has(module.eventKind.name)) throw new Error(`two vendor modules use the event kind ${module.eventKind.name}`);
      this.byConfigKind.set(module.configKind, module);
      this.byEventKind.set(module.eventKind.name, module);
      const known = vendors.get(module.vendor.name);
      if (known && known.description !== module.vendor.description) {
        throw new Error(`vendor ${module.vendor.name} is described two ways; share one value between its modules`);
      }
      vendors.set(module.vendor.name, module.vendor);
    }
    this.kinds = modules.map((module) => module.eventKind);
    this.vendors = [...vendors.values()];
    this.configSchema = configSchemaFor(modules.map((module) => module.configSchema));
  }

  /** The long-lived sources of a validated configuration. */
  createSources(config: Pick<Config, 'sources'>): EventSource[] {
    return config.sources.map((source) => this.moduleForConfig(source as { kind: string }).createSource(source as SourceConfigOf<L[number]>));
  }

  /** The module whose events have this kind: it made every source and event of that kind. */
  moduleOfKind(kind: string): L[number] | undefined {
    return this.byEventKind.get(kind);
  }

  private moduleForConfig(source: { kind: string }): L[number] {
    const module = this.byConfigKind.get(source.kind);
    // The configuration schema is this registry's: a parsed source always has a module.
    if (!module) throw new Error(`no vendor module for configuration kind "${source.kind}"`);
    return module;
  }
}
