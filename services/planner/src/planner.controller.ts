import { Controller, Inject } from '@nestjs/common';
import type { NatsContext } from '@nestjs/microservices';
import { Ctx, MessagePattern, Payload } from '@nestjs/microservices';
import { subjects } from '@ledgerflow/contracts';
import type { StartRunResult } from '@ledgerflow/contracts';
import { extractTraceContext } from '@ledgerflow/messaging';
import { validateBody } from '@ledgerflow/service-runtime';
import { SpanKind, withSpan } from '@ledgerflow/telemetry';
import { RunStarter } from './start-run.js';
import { StartRunDto } from './start-run.dto.js';

/** `lf.planner.start-run`: a synchronous trigger (the gateway's run and webhook endpoints use it). */
@Controller()
export class PlannerController {
  constructor(@Inject(RunStarter) private readonly starter: RunStarter) {}

  @MessagePattern(subjects.plannerStartRun)
  startRun(@Payload() body: unknown, @Ctx() context: NatsContext): Promise<StartRunResult> {
    const parent = extractTraceContext(context.getHeaders());
    return withSpan('planner.start-run', { parent, kind: SpanKind.SERVER }, async (span) => {
      const trigger = validateBody(StartRunDto, body);
      const result = await this.starter.start(trigger);
      span.setAttributes({ 'ledgerflow.run_id': result.runId, 'ledgerflow.workflow_id': trigger.workflowId });
      return result;
    });
  }
}
