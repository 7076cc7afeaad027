import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { removeDir, startNatsServer, tempDir, type NatsServerHandle } from '@ledgerflow/testing';
import { connectNats } from './connect.js';
import { natsAuthFromEnv } from './nats-client-auth.js';
import { generateNatsCredentials, seedFileName, writeNatsCredentials } from './nats-credentials.js';

/** A CA and a server certificate for 127.0.0.1 made with openssl (on the development machines). */
function makeCertificates(dir: string): { ca: string; cert: string; key: string } {
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  ssl(
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-days',
    '1',
    '-subj',
    '/CN=ledgerflow-test-ca',
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
  );
  ssl(
    'req',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-subj',
    '/CN=127.0.0.1',
    '-keyout',
    'server.key',
    '-out',
    'server.csr',
  );
  writeFileSync(join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  ssl(
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-days',
    '1',
    '-extfile',
    'san.ext',
    '-out',
    'server.pem',
  );
  return { ca: join(dir, 'ca.pem'), cert: join(dir, 'server.pem'), key: join(dir, 'server.key') };
}

describe('NATS over TLS with nkey credentials', () => {
  let dir: string;
  let server: NatsServerHandle;
  let ca: string;

  beforeAll(async () => {
    dir = await tempDir('lf-nats-tls-');
    const files = makeCertificates(dir);
    ca = files.ca;
    await writeNatsCredentials(dir, generateNatsCredentials(), { tls: { certFile: files.cert, keyFile: files.key } });
    server = await startNatsServer({ args: ['-c', join(dir, 'nats-server.conf')] });
  });

  afterAll(async () => {
    await server?.stop();
    await removeDir(dir);
  });

  it('connects with NATS_TLS_CA_FILE and a seed, and refuses a client that does not trust the CA', async () => {
    const env = { NATS_NKEY_SEED_FILE: join(dir, seedFileName('executor')), NATS_TLS_CA_FILE: ca };
    const nc = await connectNats({
      servers: server.url,
      name: 'tls-client',
      auth: natsAuthFromEnv(env),
      extra: { maxReconnectAttempts: 0 },
    });
    expect(nc.info?.tls_required).toBe(true);
    await nc.close();
    const untrusting = { NATS_NKEY_SEED_FILE: join(dir, seedFileName('executor')) };
    await expect(
      connectNats({
        servers: server.url,
        name: 'untrusting',
        auth: natsAuthFromEnv(untrusting),
        extra: { maxReconnectAttempts: 0 },
      }),
    ).rejects.toThrow(/certificate/i);
  });
});
