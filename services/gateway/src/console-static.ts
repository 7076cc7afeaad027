import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NestExpressApplication } from '@nestjs/platform-express';

/** Express middleware, typed on Node's own request and response (the gateway does not depend on express's types). */
type Middleware = (request: IncomingMessage, response: ServerResponse, next: () => void) => void;

/** Where the console is served: its files, and index.html for any other path under it (the app routes itself). */
export const CONSOLE_PATH = '/console';

/**
 * The console's Content-Security-Policy: scripts, styles and API calls from this origin only, no inline script,
 * no framing. The console's HTML has no inline script or style (Vite emits files); React sets styles through the
 * CSSOM, which `style-src` does not restrict.
 */
export const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * The console build (`vite build` of services/console): `configured` (`LEDGERFLOW_CONSOLE_DIR`), else
 * `services/console/dist` beside this service (the same relative place from `src/` and from `dist/`).
 */
export function consoleDir(configured?: string): string {
  return resolve(configured || fileURLToPath(new URL('../../console/dist', import.meta.url)));
}

/** Settings the gateway hands the console in its `index.html` (read by services/console/src/app/console-config.ts). */
export interface ConsoleSettings {
  /** `LEDGERFLOW_JAEGER_URL`: written as `<meta name="ledgerflow-jaeger-url" content="...">`. */
  readonly jaegerUrl?: string | undefined;
}

const escapeAttribute = (value: string): string =>
  value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * `html` with the settings as `<meta>` elements before `</head>`: data, not script, so the CSP's `script-src 'self'`
 * stays whole and the console needs no extra request (and no extra API route) to learn them.
 */
export function withConsoleSettings(html: string, settings: ConsoleSettings): string {
  if (!settings.jaegerUrl) return html;
  const meta = `<meta name="ledgerflow-jaeger-url" content="${escapeAttribute(settings.jaegerUrl)}" />`;
  return html.includes('</head>') ? html.replace('</head>', `${meta}</head>`) : `${meta}${html}`;
}

/**
 * Serves the console's static files under `/console` with no bearer token (they hold no data: every API call the
 * console makes carries the signed-in person's token). Hashed assets are cached for a year, index.html never.
 * When the build is missing the gateway still starts, and `/console` answers 404 `console_not_built` saying how
 * to build it. `settings` are written into index.html as `<meta>` elements ({@link withConsoleSettings}).
 */
export function serveConsole(
  app: NestExpressApplication,
  dir: string = consoleDir(),
  settings: ConsoleSettings = {},
): void {
  const index = join(dir, 'index.html');
  const headers: Middleware = (_request, response, next) => {
    response.setHeader('Content-Security-Policy', CONSOLE_CSP);
    response.setHeader('X-Content-Type-Options', 'nosniff');
    response.setHeader('Referrer-Policy', 'no-referrer');
    next();
  };
  app.use(CONSOLE_PATH, headers);
  app.useStaticAssets(dir, {
    prefix: CONSOLE_PATH,
    index: false,
    fallthrough: true,
    setHeaders: (response: ServerResponse, path: string) => {
      response.setHeader(
        'Cache-Control',
        path.startsWith(join(dir, 'assets')) ? 'public, max-age=31536000, immutable' : 'no-cache',
      );
    },
  });
  const fallback: Middleware = (request, response, next) => {
    // Mounted under /console, so `url` is the rest of the path. A missing asset is a 404, not the app.
    if ((request.method !== 'GET' && request.method !== 'HEAD') || request.url?.startsWith('/assets/')) return next();
    readFile(index).then(
      (html) =>
        send(
          response,
          200,
          'text/html; charset=utf-8',
          withConsoleSettings(html.toString('utf8'), settings),
          request.method === 'HEAD',
        ),
      () => {
        const message = `The console is not built (no ${index}): run \`make build\`, or set LEDGERFLOW_CONSOLE_DIR to a console build.`;
        send(
          response,
          404,
          'application/json',
          JSON.stringify({ error: { code: 'console_not_built', message, retryable: false } }),
          false,
        );
      },
    );
  };
  app.use(CONSOLE_PATH, fallback);
}

function send(response: ServerResponse, status: number, type: string, body: string | Buffer, head: boolean): void {
  response.statusCode = status;
  response.setHeader('Content-Type', type);
  response.setHeader('Cache-Control', 'no-cache');
  response.end(head ? undefined : body);
}
