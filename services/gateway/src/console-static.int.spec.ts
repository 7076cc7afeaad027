import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { tempDir } from '@ledgerflow/testing';
import { CONSOLE_CSP, serveConsole } from './console-static.js';
import type { ConsoleSettings } from './console-static.js';

@Module({})
class EmptyModule {}

/** The console's files as the gateway serves them, on a real HTTP server (an app with no routes of its own). */
describe('serveConsole', () => {
  const apps: NestExpressApplication[] = [];
  afterAll(() => Promise.all(apps.map((app) => app.close())));

  async function serving(dir: string, settings: ConsoleSettings = {}): Promise<string> {
    const app = await NestFactory.create<NestExpressApplication>(EmptyModule, { logger: false });
    serveConsole(app, dir, settings);
    await app.listen(0, '127.0.0.1');
    apps.push(app);
    return app.getUrl();
  }

  it('serves the build: files, index.html for app paths, a CSP, and 404 for a missing asset', async () => {
    const dir = await tempDir('ledgerflow-console-build-');
    await mkdir(join(dir, 'assets'));
    await writeFile(
      join(dir, 'index.html'),
      '<!doctype html><script type="module" src="/console/assets/app-1.js"></script>',
    );
    await writeFile(join(dir, 'assets', 'app-1.js'), 'console.log(1)');
    const base = await serving(dir);

    for (const path of ['/console', '/console/', '/console/runs/abc']) {
      const page = await fetch(`${base}${path}`);
      expect([path, page.status, page.headers.get('content-type')]).toEqual([path, 200, 'text/html; charset=utf-8']);
      expect(await page.text()).toContain('/console/assets/app-1.js');
      expect(page.headers.get('content-security-policy')).toBe(CONSOLE_CSP);
      expect(page.headers.get('cache-control')).toBe('no-cache');
    }
    const asset = await fetch(`${base}/console/assets/app-1.js`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(asset.headers.get('x-content-type-options')).toBe('nosniff');
    expect((await fetch(`${base}/console/assets/missing.js`)).status).toBe(404);
    expect((await fetch(`${base}/console/../../etc/passwd`)).status).not.toBe(200);
    expect(CONSOLE_CSP).not.toContain('unsafe-inline');
  });

  it('writes LEDGERFLOW_JAEGER_URL into index.html as a <meta>, escaped, and nothing when it is unset', async () => {
    const dir = await tempDir('ledgerflow-console-meta-');
    await writeFile(join(dir, 'index.html'), '<!doctype html><html><head><title>c</title></head><body></body></html>');
    const withJaeger = await (
      await fetch(`${await serving(dir, { jaegerUrl: 'http://jaeger.local:16686/?a="b"&c' })}/console/runs/x`)
    ).text();
    expect(withJaeger).toContain(
      '<meta name="ledgerflow-jaeger-url" content="http://jaeger.local:16686/?a=&quot;b&quot;&amp;c" /></head>',
    );
    expect(await (await fetch(`${await serving(dir)}/console/`)).text()).not.toContain('ledgerflow-jaeger-url');
  });

  it('answers 404 console_not_built, saying how to build it, when the build is missing', async () => {
    const base = await serving(join(await tempDir('ledgerflow-console-none-'), 'dist'));
    const response = await fetch(`${base}/console/`);
    expect(response.status).toBe(404);
    const body = (await response.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('console_not_built');
    expect(body.error.message).toContain('make build');
  });
});
