/**
 * Headless Chromium for tests and benchmarks of pages (report.html): Debian's `chromium` (installed by `make
 * test`'s `browser` target), driven by playwright-core, with the network cut off: a page may load file:// URLs
 * only; every other request is aborted and recorded, so a test can assert that none was even attempted.
 */
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';

/** CHROMIUM_PATH, else `chromium` on the PATH, else Debian's /usr/bin/chromium. */
export function chromiumPath(): string {
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, 'chromium');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this folder
    }
  }
  return '/usr/bin/chromium';
}

export const fileUrl = (path: string): string => pathToFileURL(path).href;

export function launchChromium(): Promise<Browser> {
  const executablePath = chromiumPath();
  try {
    accessSync(executablePath, constants.X_OK);
  } catch {
    throw new Error(`no Chromium at ${executablePath}: run \`make browser\` or set CHROMIUM_PATH`);
  }
  return chromium.launch({ executablePath, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
}

/** A page of its own context whose every request but file:// is refused. */
export interface OfflinePage {
  page: Page;
  /** URLs of the requests the page attempted that were not file:// (and were aborted). */
  blocked: string[];
  /** Messages of the page's uncaught errors and console errors (a CSP violation shows up here). */
  errors: string[];
  /** Messages of alert/confirm/prompt dialogs the page opened (each dismissed). */
  dialogs: string[];
  /** Closes the page and its context. */
  close(): Promise<void>;
}

/** A new page (in a context of its own) cut off from the network; navigate it with `page.goto(fileUrl(path))`. */
export async function offlinePage(browser: Browser): Promise<OfflinePage> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  const blocked: string[] = [];
  const errors: string[] = [];
  const dialogs: string[] = [];
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith('file:')) return route.continue();
    blocked.push(url);
    return route.abort('blockedbyclient');
  });
  page.on('websocket', (socket) => blocked.push(socket.url()));
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  return { page, blocked, errors, dialogs, close: () => context.close() };
}
