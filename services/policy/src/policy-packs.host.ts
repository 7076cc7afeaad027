import { Inject, Injectable } from '@nestjs/common';
import type { OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import type { NatsConnection, Subscription } from '@nats-io/nats-core';
import { POLICY_PACK_CATEGORY, subjects } from '@ledgerflow/contracts';
import { LOGGER, NATS_CONNECTION } from '@ledgerflow/service-runtime';
import type { Logger } from '@ledgerflow/telemetry';
import { PolicyPackCatalog } from './policy-pack-catalog.js';
import { registerPolicyDirectories } from './policy-pack-directories.js';

/** Period of the catch-up on every known pack stream, in ms: the bound on activation across replicas (docs/policies.md). */
export const PACK_REFRESH_MS = 1_000;

/** Where the host reads its directories from (`LEDGERFLOW_POLICY_DIRS`). */
export const POLICY_DIRS = Symbol('POLICY_DIRS');

/**
 * Brings the policy service's packs in line with the store before it answers anything: folds every `policypack-*`
 * stream, registers the directory packs (a file whose version exists with other content stops the start, exit 78),
 * then follows the store: a relayed pack event (`lf.evt.policypack.>`, core NATS, a notification only) catches its
 * stream up at once and decisions wait for it; every {@link PACK_REFRESH_MS} every known pack stream is read past its
 * revision in the background; after a NATS reconnect (notifications may have been missed) the pack prefix is scanned.
 */
@Injectable()
export class PolicyPacksHost implements OnModuleInit, OnApplicationShutdown {
  private timer: NodeJS.Timeout | undefined;
  private subscription: Subscription | undefined;
  private closed = false;

  constructor(
    @Inject(PolicyPackCatalog) private readonly catalog: PolicyPackCatalog,
    @Inject(POLICY_DIRS) private readonly dirs: readonly string[],
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.catalog.catchUpAll();
    const registered = await registerPolicyDirectories(this.catalog, this.dirs, { kind: 'service', id: 'policy' });
    this.logger.info('policy pack directories registered', { versions: registered });
    this.subscription = this.nc.subscribe(subjects.eventsOfCategory(POLICY_PACK_CATEGORY), {
      callback: (error, msg) => {
        if (error === null) void this.catalog.notify(msg.subject.split('.')[3] ?? '');
      },
    });
    this.timer = setInterval(() => void this.catalog.poll(), PACK_REFRESH_MS);
    this.timer.unref();
    void this.followReconnects();
  }

  async onApplicationShutdown(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    this.subscription?.unsubscribe();
  }

  private async followReconnects(): Promise<void> {
    for await (const status of this.nc.status()) {
      if (this.closed) return;
      if (status.type === 'reconnect')
        await this.catalog
          .catchUpAll()
          .catch((error: Error) =>
            this.logger.error('policy packs not rescanned after a reconnect', { reason: error.message }),
          );
    }
  }
}
