import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { generateApiKey, hashApiKey } from '../../src/server/auth/api-key.js';
import { DEFAULT_GRAPHIQL_QUERY } from '../../src/server/graphiql/graphiql.route.js';
import { editorText, launchChromium, openOfflinePage } from '../helpers/browser.js';
import { startStack, type StackOptions } from '../helpers/stack.js';

interface Target {
  /** Scheme, host and port: the one origin the browser may reach. */
  readonly origin: string;
  /** The GraphQL endpoint, which serves GraphiQL to a browser. */
  readonly graphqlUrl: string;
  /** An operation this server answers, and the `data` it answers with. */
  readonly probe: { readonly query: string; readonly data: unknown };
  close(): Promise<void>;
}

/** The real server over the ModelArts emulator, asked for the service of the API page example by name. */
async function startTarget(server?: StackOptions<never>['server']): Promise<Target> {
  const stack = await startStack({ ...(server ? { server } : {}) });
  const graphqlUrl = stack.server.url;
  return {
    origin: new URL(graphqlUrl).origin,
    graphqlUrl,
    probe: {
      query: '{ events(first: 1, order: ASC, filter: { resource: "zcjtest-07085" }) { edges { node { occurredAt summary } } } }',
      data: {
        events: { edges: [{ node: { occurredAt: '2019-07-08T14:47:31.764Z', summary: 'zcjtest-07085: start to deploy service' } }] },
      },
    },
    close: () => stack.close(),
  };
}

describe('GraphiQL in a browser with no network', () => {
  let target: Target | undefined;
  let browser: Browser | undefined;

  beforeAll(async () => {
    browser = await launchChromium();
    target = await startTarget();
  });

  afterAll(async () => {
    await browser?.close();
    await target?.close();
  });

  it('runs a query against the server, loading everything from the server itself', async () => {
    const { origin, graphqlUrl, probe } = target!;
    const { page, context, offOrigin, problems } = await openOfflinePage(browser!, origin);
    try {
      const response = await page.goto(graphqlUrl);
      expect(response?.headers()['content-type']).toMatch(/^text\/html/);
      expect(response?.headers()['content-security-policy']).toContain("default-src 'self'");
      expect(await page.title()).toBe('eventgraph');

      const queryEditor = page.locator('.graphiql-query-editor .CodeMirror');
      await queryEditor.waitFor();
      expect(await editorText(page, '.graphiql-query-editor')).toBe(DEFAULT_GRAPHIQL_QUERY);

      // Replace the default query the way a person would: select all, then type.
      await queryEditor.click();
      await page.keyboard.press('ControlOrMeta+A');
      await page.keyboard.insertText(probe.query);
      expect(await editorText(page, '.graphiql-query-editor')).toBe(probe.query);
      // GraphiQL re-reads the operation name in a 100 ms debounced change handler (in
      // @graphiql/react's useQueryEditor); a click before it fires sends the new query with
      // the old name, 'RecentEvents'. The handler's first act is to store the query, and
      // the rest of it runs in the same task, so seeing the stored query means it is done.
      await page.waitForFunction(
        (query) => localStorage.getItem('graphiql:query') === query,
        probe.query,
      );

      await page.locator('.graphiql-execute-button').click();
      await expect
        .poll(async () => editorText(page, '.graphiql-response'), { timeout: 10_000 })
        .toMatch(/\S/);
      const result = JSON.parse((await editorText(page, '.graphiql-response'))!) as unknown;
      expect(result).toEqual({ data: probe.data });

      // The fonts are data: URIs in graphiql.min.css; a too-strict CSP or a lost stylesheet
      // leaves the UI in fallback fonts, which no text assertion above would notice.
      const loadedFonts = await page.evaluate(() => {
        const families: string[] = [];
        document.fonts.forEach((f) => {
          if (f.status === 'loaded') families.push(f.family.replace(/["']/g, ''));
        });
        return families;
      });
      expect(loadedFonts).toEqual(expect.arrayContaining(['Roboto', 'Fira Code']));

      // The Settings dialog injects a <style> element (react-remove-scroll); it is what
      // needs style-src 'unsafe-inline', and a tighter policy would show up in `problems`.
      await page.locator('button[aria-label="Open settings dialog"]').click();
      await page.getByRole('dialog').waitFor();
      await page.keyboard.press('Escape');
      await page.getByRole('dialog').waitFor({ state: 'detached' });

      if (process.env['GRAPHIQL_SCREENSHOT']) {
        await page.screenshot({ path: process.env['GRAPHIQL_SCREENSHOT'] });
      }
      expect(problems).toEqual([]);
      expect(offOrigin).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('refuses, by its Content-Security-Policy, to load anything from another host', async () => {
    const { origin, graphqlUrl } = target!;
    const { page, context, offOrigin } = await openOfflinePage(browser!, origin);
    try {
      await page.goto(graphqlUrl);
      await page.locator('.graphiql-query-editor .CodeMirror').waitFor();
      const violations = await page.evaluate(async () => {
        const seen: string[] = [];
        document.addEventListener('securitypolicyviolation', (e) =>
          seen.push(`${e.effectiveDirective} ${e.blockedURI}`),
        );
        const script = document.createElement('script');
        script.src = 'https://cdn.example.com/graphiql.js';
        document.head.append(script);
        await fetch('https://api.example.com/graphql').catch(() => undefined);
        // Violation events arrive as queued tasks, in no promised order.
        for (let waited = 0; seen.length < 2 && waited < 2_000; waited += 20) {
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        return seen.sort();
      });
      expect(violations).toEqual([
        'connect-src https://api.example.com/graphql',
        'script-src-elem https://cdn.example.com/graphiql.js',
      ]);
      // The browser refused before any request was made, so routing never saw one.
      expect(offOrigin).toEqual([]);
    } finally {
      await context.close();
    }
  });
});

// The editor tools hold two editors, variables first and headers second (hidden by class
// when not active); the headers editor is the last one.
function headersText(page: Page) {
  return page.evaluate(() => {
    const wrappers = document.querySelectorAll('.graphiql-editor-tool .CodeMirror');
    const editor = (wrappers[wrappers.length - 1] as { CodeMirror?: { getValue(): string } } | undefined)?.CodeMirror;
    return editor?.getValue();
  });
}

describe('GraphiQL with auth on', () => {
  const key = generateApiKey();
  let target: Target | undefined;
  let browser: Browser | undefined;

  beforeAll(async () => {
    browser = await launchChromium();
    const hash = await hashApiKey(key, { N: 2 ** 14, r: 8, p: 1 });
    target = await startTarget({ auth: { mode: 'required', apiKeys: [{ name: 'browser', hash, sources: ['*'] }] } });
  });

  afterAll(async () => {
    await browser?.close();
    await target?.close();
  });

  it('opens the headers editor, and runs a query with the key pasted there, keeping it out of storage', async () => {
    const { origin, graphqlUrl, probe } = target!;
    const { page, context, offOrigin } = await openOfflinePage(browser!, origin);
    try {
      await page.goto(graphqlUrl);
      const queryEditor = page.locator('.graphiql-query-editor .CodeMirror');
      await queryEditor.waitFor();
      // The page opens with the headers editor showing the header to complete.
      const headersEditor = page.locator('.graphiql-editor-tool .CodeMirror').last();
      await headersEditor.waitFor({ state: 'visible' });
      await expect.poll(() => headersText(page)).toContain('"Authorization": "Bearer "');

      await queryEditor.click();
      await page.keyboard.press('ControlOrMeta+A');
      await page.keyboard.insertText(probe.query);
      await page.waitForFunction((query) => localStorage.getItem('graphiql:query') === query, probe.query);

      // Without the key, the server refuses, and GraphiQL shows why.
      await page.locator('.graphiql-execute-button').click();
      await expect.poll(async () => editorText(page, '.graphiql-response'), { timeout: 10_000 }).toMatch(/UNAUTHENTICATED/);

      await headersEditor.click();
      await page.keyboard.press('ControlOrMeta+A');
      await page.keyboard.insertText(JSON.stringify({ Authorization: `Bearer ${key}` }));
      const sent = page.waitForRequest((request) => request.method() === 'POST' && request.postData()?.includes('zcjtest-07085') === true);
      await page.locator('.graphiql-execute-button').click();
      expect((await sent).headers()['authorization']).toBe(`Bearer ${key}`);
      await expect
        .poll(async () => {
          const text = await editorText(page, '.graphiql-response');
          return text && !text.includes('UNAUTHENTICATED') ? (JSON.parse(text) as unknown) : undefined;
        }, { timeout: 10_000 })
        .toEqual({ data: probe.data });

      // shouldPersistHeaders is off: the key is in no storage the page keeps.
      const stored = await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }));
      expect(stored).not.toContain(key);
      expect(offOrigin).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
