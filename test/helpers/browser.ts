import sparticuz from '@sparticuz/chromium';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

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

/**
 * Chromium from the `@sparticuz/chromium` dev dependency, which ships the binary inside the
 * npm package: `npm install` is all a machine needs (`npx playwright install` downloads from
 * a CDN and cannot work offline, and no apt package is required). Fails, never skips.
 */
export async function launchChromium(): Promise<Browser> {
  const executablePath = await sparticuz.executablePath();
  // Our own flags, not the package's defaults: those are made for serverless hosts and turn
  // off web security (CSP, same-origin), which the tests check.
  return chromium.launch({ executablePath, args: CHROMIUM_ARGS });
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

// GraphiQL 3 edits with CodeMirror 5, which keeps its instance on the wrapper element; the
// DOM only holds the visible lines, so read the text through the instance.
export function editorText(page: Page, container: '.graphiql-query-editor' | '.graphiql-response') {
  return page.evaluate((selector) => {
    const wrapper = document.querySelector(`${selector} .CodeMirror`);
    const editor = (wrapper as { CodeMirror?: { getValue(): string } } | null)?.CodeMirror;
    return editor?.getValue();
  }, container);
}
