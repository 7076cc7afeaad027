import { execFileSync } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import type { Browser, ConsoleMessage, Locator, Page } from 'playwright-core';
import { eventually, repoRoot } from '@ledgerflow/testing';

/** Headless flags for Debian's chromium as root in a container, with nothing reaching out to the network. */
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** The Chromium binary `tools/ensure-chromium.sh` finds (installing Debian's package as root when missing). */
export function chromiumPath(): string {
  return execFileSync(join(repoRoot(), 'tools', 'ensure-chromium.sh'), { encoding: 'utf8' }).trim();
}

/**
 * A headless Chromium. `launch` gives it a fresh user-data dir of its own (removed on close); each test page gets a
 * new context, so session storage is never shared between the people a test signs in.
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath(), headless: true, args: CHROMIUM_ARGS, timeout: 30_000 });
}

/** Where the tests write screenshots of each view (`.data/screenshots/`, ignored by git). */
export async function screenshotDir(): Promise<string> {
  const dir = join(repoRoot(), '.data', 'screenshots');
  await mkdir(dir, { recursive: true });
  return dir;
}

/** A refusal a test provokes on purpose: its HTTP status and a part of its URL. */
export interface ExpectedRefusal {
  readonly status: number;
  readonly url: string;
}

/**
 * Problems a page had: uncaught exceptions, console errors (a CSP violation is one) and responses of status 400 or
 * more, except the refusals the test provokes (`expected`). The browser's own "Failed to load resource" console
 * line is left to the response check, which names the URL.
 */
export function pageProblems(page: Page, expected: readonly ExpectedRefusal[] = []): string[] {
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message: ConsoleMessage) => {
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource'))
      problems.push(`console error: ${message.text()}`);
  });
  page.on('response', (response) => {
    if (
      response.status() >= 400 &&
      !expected.some((refusal) => refusal.status === response.status() && response.url().includes(refusal.url))
    ) {
      problems.push(`HTTP ${response.status()} for ${response.request().method()} ${response.url()}`);
    }
  });
  return problems;
}

/** Waits until `locator`'s text matches (a string is a substring), failing with what it last read. */
export async function expectText(locator: Locator, expected: string | RegExp, timeoutMs = 10_000): Promise<void> {
  const matches = (text: string) => (typeof expected === 'string' ? text.includes(expected) : expected.test(text));
  let last = '';
  try {
    await eventually(
      async () => {
        last = (await locator.textContent({ timeout: timeoutMs }).catch(() => '')) ?? '';
        return matches(last) ? true : undefined;
      },
      timeoutMs,
      `text ${String(expected)}`,
    );
  } catch (error) {
    throw new Error(`${(error as Error).message}; last read: ${JSON.stringify(last.slice(0, 400))}`);
  }
}
