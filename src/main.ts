/**
 * `npm start`: eventgraph from a configuration file (--config FILE or EVENTGRAPH_CONFIG), or
 * in demo mode against in-process emulators when there is none.
 */
import { ConfigError, loadConfigFile, resolveConfigPath } from './config/config.loader.js';
import type { Config } from './config/config.schema.js';
import { demoConfig, demoSources } from './demo/demo.config.js';
import { startEmulators, type RunningEmulators } from './demo/demo.emulators.js';
import { AuthConfigError, ExposureError, startServer } from './server/server.js';
import { builtInVendors, VENDORS } from './vendors/vendors.js';

const USAGE = 'usage: npm start [-- --config FILE]   (or set EVENTGRAPH_CONFIG; with neither, demo mode)';

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args.includes('--help') || args.includes('-h')) {
    console.log(USAGE);
    return;
  }
  const unknown = args.filter((arg, i) => !arg.startsWith('--config') && args[i - 1] !== '--config');
  if (unknown.length > 0) fail(`unknown argument ${unknown.map((a) => `"${a}"`).join(', ')}\n${USAGE}`);

  const vendors = builtInVendors();
  const configPath = resolveConfigPath(args, process.env);
  const fileConfig = configPath === undefined ? undefined : await loadConfigFile(configPath, vendors.configSchema);
  const port = portFromEnv() ?? fileConfig?.server.port ?? 4000;

  // Demo mode serves anonymously, so it listens on loopback only (startServer's default):
  // its GraphiQL and emulators are for the person at this machine, not the network.
  const serverSection = fileConfig?.server;
  const server = await startServer({
    vendors,
    port,
    host: serverSection?.host,
    cursorSecret: serverSection?.cursorSecret,
    auth: fileConfig?.auth,
    ...(fileConfig ? { limits: fileConfig.limits } : {}),
    ...(serverSection
      ? {
          snapshotStepMs: serverSection.snapshotStepSeconds * 1000,
          adaptiveReads: serverSection.adaptiveReads,
          requestTimeoutMs: serverSection.requestTimeoutMs,
          maxConcurrentRequests: serverSection.maxConcurrentRequests,
          queueTimeoutMs: serverSection.queueTimeoutMs,
          corsOrigins: serverSection.corsOrigins,
        }
      : {}),
  });
  let emulators: RunningEmulators | undefined;
  let config: Config;
  if (fileConfig) {
    config = fileConfig;
  } else {
    emulators = await startEmulators();
    config = demoConfig(vendors, demoSources(VENDORS, emulators), port);
  }
  server.setSources(vendors.createSources(config));

  console.log(`eventgraph: GraphiQL and the GraphQL endpoint at ${server.url}`);
  if (server.authRequired) console.log('client authentication is on: send "Authorization: Bearer <key or token>" (in GraphiQL, in the Headers tab)');
  console.log(`sources: ${config.sources.map((source) => `${source.name} (${source.kind})`).join(', ')}`);
  if (emulators) {
    console.log('demo mode (no configuration given); emulators on loopback:');
    for (const emulator of emulators.list()) console.log(`  ${emulator.name.padEnd(18)} ${emulator.url}`);
  }

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: finishing in-flight requests, then exiting`);
    await server.stop();
    await emulators?.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

function portFromEnv(): number | undefined {
  const value = process.env.PORT;
  if (value === undefined || value === '') return undefined;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) fail(`PORT must be a port number (0-65535), got "${value}"`);
  return port;
}

function fail(message: string): never {
  console.error(`eventgraph: ${message}`);
  process.exit(2);
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) fail(`configuration refused:\n${error.message}`);
  if (error instanceof ExposureError) fail(error.message);
  if (error instanceof AuthConfigError) fail(`configuration refused: ${error.message}`);
  if (error instanceof Error && 'code' in error && error.code === 'EADDRINUSE') fail(`cannot listen: ${error.message}`);
  console.error(error);
  process.exit(1);
});
