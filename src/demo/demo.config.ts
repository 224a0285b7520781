import { parseConfig } from '../config/config.loader.js';
import type { Config } from '../config/config.schema.js';
import type { AnyVendorModule, DemoSourceDocument } from '../vendors/vendor-module.js';
import type { VendorRegistry } from '../vendors/vendor-registry.js';
import type { RunningEmulators } from './demo.emulators.js';

/**
 * Demo mode's sources: one per vendor module, pointed at its running emulator over real
 * HTTP, with the credentials the emulators accept. Plain documents, so that the benchmark
 * can make them where its emulators run (a worker thread) and send them over.
 */
export function demoSources<L extends readonly AnyVendorModule[]>(vendors: L, emulators: RunningEmulators<L>): DemoSourceDocument[] {
  const handles = emulators as unknown as Record<string, unknown>;
  return vendors.map((module) => module.demoSource(handles[module.emulator.starter.key] as never));
}

/**
 * The configuration of demo mode. It goes through the same validation as a file, so demo
 * mode cannot drift from what a user could write.
 */
export function demoConfig(vendors: VendorRegistry, sources: DemoSourceDocument[], port: number): Config {
  return parseConfig({ server: { port }, sources }, 'demo configuration', vendors.configSchema);
}
