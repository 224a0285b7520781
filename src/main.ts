/**
 * `npm start`: eventgraph from a configuration file (--config FILE or EVENTGRAPH_CONFIG), or
 * in demo mode against in-process emulators when there is none.
 */
import { ConfigError, loadConfigFile, resolveConfigPath } from './config/config.loader.js';
import type { Config } from './config/config.schema.js';
import { LOG_LEVELS, metricsSchema, type LogLevel } from './config/telemetry-config.schema.js';
import { demoConfig, demoSources } from './demo/demo.config.js';
import { startEmulators, type RunningEmulators } from './demo/demo.emulators.js';
import { createLogger } from './observability/logger.js';
import { startTracing, type Tracing } from './observability/tracing.js';
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
  const logger = createLogger({ level: logLevelFromEnv() ?? fileConfig?.server.logLevel ?? 'info' });
  // Before the server: the operation spans of its first requests need the SDK in place.
  const tracingConfig = fileConfig?.tracing;
  const tracing: Tracing | undefined = tracingConfig?.enabled
    ? await startTracing({ serviceName: tracingConfig.serviceName, sampleRatio: tracingConfig.sampleRatio, ...(tracingConfig.endpoint ? { endpoint: tracingConfig.endpoint } : {}) })
    : undefined;

  // Demo mode serves anonymously, so it listens on loopback only (startServer's default):
  // its GraphiQL and emulators are for the person at this machine, not the network.
  const serverSection = fileConfig?.server;
  const server = await startServer({
    vendors,
    port,
    host: serverSection?.host,
    cursorSecret: serverSection?.cursorSecret,
    auth: fileConfig?.auth,
    logger,
    warn: (message) => logger.warn(message),
    // Demo mode keeps metrics too, with the defaults: /metrics on its port.
    metrics: fileConfig?.metrics ?? metricsSchema.parse({}),
    tracing: tracing !== undefined,
    ...(fileConfig ? { limits: fileConfig.limits } : {}),
    ...(serverSection
      ? {
          snapshotStepMs: serverSection.snapshotStepSeconds * 1000,
          adaptiveReads: serverSection.adaptiveReads,
          requestTimeoutMs: serverSection.requestTimeoutMs,
          maxConcurrentRequests: serverSection.maxConcurrentRequests,
          maxConcurrentExports: serverSection.maxConcurrentExports,
          queueTimeoutMs: serverSection.queueTimeoutMs,
          corsOrigins: serverSection.corsOrigins,
          federation: serverSection.federation,
          tail: { ...serverSection.tail, sourceIntervalsMs: sourceTailIntervals(fileConfig!.sources) },
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

  // Through the logger, so that stdout stays one JSON object per line for a log collector.
  logger.info({ url: server.url, metrics: server.metricsUrl, tracing: tracing !== undefined }, `eventgraph: GraphiQL and the GraphQL endpoint at ${server.url}`);
  if (server.authRequired) logger.info('client authentication is on: send "Authorization: Bearer <key or token>" (in GraphiQL, in the Headers tab)');
  logger.info({ sources: config.sources.map((source) => ({ name: source.name, kind: source.kind })) }, `sources: ${config.sources.map((source) => `${source.name} (${source.kind})`).join(', ')}`);
  if (emulators) {
    const list = emulators.list();
    logger.info(
      { emulators: list.map((emulator) => ({ name: emulator.name, url: emulator.url })) },
      `demo mode (no configuration given); emulators on loopback:\n${list.map((emulator) => `  ${emulator.name.padEnd(18)} ${emulator.url}`).join('\n')}`,
    );
  }

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info(`${signal}: finishing in-flight requests, then exiting`);
    await server.stop();
    await emulators?.close();
    // Spans of the last requests are still in the batch.
    await tracing?.shutdown();
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

function logLevelFromEnv(): LogLevel | undefined {
  const value = process.env.LOG_LEVEL;
  if (value === undefined || value === '') return undefined;
  if (!(LOG_LEVELS as readonly string[]).includes(value)) fail(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`);
  return value as LogLevel;
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

/** The sources that poll at an interval of their own (`tailIntervalMs`), by name. */
function sourceTailIntervals(sources: readonly { name: string; tailIntervalMs?: number }[]): Record<string, number> {
  const intervals: Record<string, number> = {};
  for (const source of sources) {
    if (source.tailIntervalMs !== undefined) intervals[source.name] = source.tailIntervalMs;
  }
  return intervals;
}
