import { existsSync } from 'node:fs';

import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

/** Debian's Chromium; `npx playwright install` downloads from a CDN and cannot work in CI. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

// Flags that stop Chromium's own traffic (updates, sync, field trials), which page-level
// routing cannot see, so that a test that passes here also passes on an air-gapped host.
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-component-update',
  '--disable-sync',
];

/** Fails, never skips, without Chromium: CI installs it, so its absence is a broken setup. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Browser tests need Chromium at ${CHROMIUM_PATH}, and it is missing. ` +
        'Install it with `apt-get install -y chromium` (.ci/run does this).',
    );
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
}

export interface OfflinePage {
  readonly context: BrowserContext;
  readonly page: Page;
  /** Every request (HTTP or WebSocket) to anything but `origin`, each one aborted. */
  readonly offOrigin: string[];
  /** Console errors, uncaught exceptions and HTTP errors; CSP violations show up here. */
  readonly problems: string[];
}

/**
 * A page that can reach `origin` and nothing else. Other requests are not just blocked but
 * recorded, so a test can assert that nothing even tried to leave the machine.
 */
export async function openOfflinePage(browser: Browser, origin: string): Promise<OfflinePage> {
  // Service workers would answer requests that page routing never sees.
  const context = await browser.newContext({
    serviceWorkers: 'block',
    viewport: { width: 1280, height: 800 },
  });
  const offOrigin: string[] = [];
  const problems: string[] = [];
  await context.route('**/*', async (route) => {
    const url = route.request().url();
    if (new URL(url).origin === origin) return route.continue();
    offOrigin.push(url);
    return route.abort('internetdisconnected');
  });
  const host = new URL(origin).host;
  await context.routeWebSocket(/.*/, (ws) => {
    if (new URL(ws.url()).host === host) return ws.connectToServer();
    offOrigin.push(ws.url());
    return ws.close();
  });
  const page = await context.newPage();
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`uncaught: ${error.message}`));
  page.on('response', (response) => {
    if (response.status() >= 400) problems.push(`HTTP ${response.status()}: ${response.url()}`);
  });
  return { context, page, offOrigin, problems };
}
