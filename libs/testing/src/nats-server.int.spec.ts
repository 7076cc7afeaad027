import { existsSync } from 'node:fs';
import { connect as tcpConnect } from 'node:net';
import { freePort, RESERVED_NATS_PORT } from './free-port.js';
import { startNatsServer } from './nats-server.js';
import { tempDir, removeDir } from './temp-dir.js';

const canConnect = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = tcpConnect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });

describe('freePort', () => {
  it('returns usable ports other than 4222', async () => {
    const ports = await Promise.all([freePort(), freePort(), freePort()]);
    for (const port of ports) {
      expect(port).toBeGreaterThan(0);
      expect(port).not.toBe(RESERVED_NATS_PORT);
    }
  });
});

describe('startNatsServer', () => {
  it('starts a JetStream server on a free port, accepts connections, and cleans its temp store on stop', async () => {
    const nats = await startNatsServer();
    try {
      expect(nats.port).not.toBe(RESERVED_NATS_PORT);
      expect(nats.url).toBe(`nats://127.0.0.1:${nats.port}`);
      expect(await canConnect(nats.port)).toBe(true);
      expect(existsSync(nats.storeDir)).toBe(true);
      expect(nats.output()).toMatch(/Starting JetStream/);
    } finally {
      await nats.stop();
    }
    expect(await canConnect(nats.port)).toBe(false);
    expect(existsSync(nats.storeDir)).toBe(false);
  });

  it('keeps a store dir it was given', async () => {
    const dir = await tempDir('lf-nats-given');
    try {
      const nats = await startNatsServer({ storeDir: dir });
      await nats.stop();
      expect(existsSync(`${dir}/jetstream`)).toBe(true);
    } finally {
      await removeDir(dir);
    }
  });

  it('refuses port 4222', async () => {
    await expect(startNatsServer({ port: 4222 })).rejects.toThrow(/4222/);
  });

  it('fails with the server output when the port is taken', async () => {
    const first = await startNatsServer({ jetstream: false });
    try {
      await expect(startNatsServer({ port: first.port, jetstream: false })).rejects.toThrow(/address already in use/);
    } finally {
      await first.stop();
    }
  });
});
