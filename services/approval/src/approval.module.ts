import { Module } from '@nestjs/common';
import type { DynamicModule } from '@nestjs/common';
import type { CommonConfig } from '@ledgerflow/config';
import type { ServiceContext } from '@ledgerflow/service-runtime';
import { ApprovalController } from './approval.controller.js';
import { GateDecider } from './decide-gate.js';
import { GateOpener } from './gate-opener.consumer.js';

@Module({})
export class ApprovalModule {
  static register(context: ServiceContext<CommonConfig>): DynamicModule {
    return {
      module: ApprovalModule,
      controllers: [ApprovalController],
      providers: [{ provide: GateDecider, useValue: new GateDecider(context.runs) }, GateOpener],
    };
  }
}
