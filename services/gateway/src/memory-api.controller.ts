import { Body, Controller, Get, Headers, HttpCode, Inject, Param, Post, Query, Req, Res } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiCreatedResponse,
  ApiExtraModels,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiQuery,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import { SCOPES } from '@ledgerflow/contracts';
import type { EvaluationRecorded, Principal, RecommendationView, WorkflowInsights } from '@ledgerflow/contracts';
import { ValidationError } from '@ledgerflow/domain';
import { CurrentPrincipal, RequireScopes } from './auth.decorators.js';
import { Authenticator } from './authenticator.js';
import { ApiListQuery, LINK_HEADER, ListPage } from './list-page.interceptor.js';
import { invalidQuery } from './list-page.js';
import { NDJSON_MEDIA_TYPE, labelsLinkOf, labelsRequestOf, ndjsonOf } from './memory-labels.js';
import {
  EvaluationRecordedResponse,
  LabelledExampleResponse,
  RECOMMENDATION_STATUSES,
  RecommendationDecisionBody,
  RecommendationResponse,
  RecordEvaluationBody,
  UsageTotalsResponse,
  WorkflowInsightsResponse,
} from './memory.dto.js';
import { ServicesClient } from './services.client.js';

/** The part of an express response the labels' handler writes. */
interface HeaderResponse {
  setHeader(name: string, value: string): unknown;
}

/**
 * Operational memory over HTTP (docs/memory.md): a workflow's insights, recommendations, labelled examples and golden
 * set evaluations. Each endpoint is one request to memory (`lf.memory.*`, queue group `memory`); a command forwards
 * the caller as authenticated (a JWT as is, a service account by its id), and memory records it as the actor.
 * Memory's refusals keep their codes: 404 `recommendation_not_found`, 409 `recommendation_already_decided`.
 */
@ApiTags('memory')
@ApiBearerAuth()
@ApiExtraModels(UsageTotalsResponse, LabelledExampleResponse)
@RequireScopes(SCOPES.runsRead)
@Controller('v1')
export class MemoryController {
  constructor(@Inject(ServicesClient) private readonly services: ServicesClient) {}

  @Get('workflows/:workflowId/insights')
  @ApiOperation({
    summary:
      "A workflow's findings with evidence (counts, window, example runs), calibration per step and token/cost usage",
  })
  @ApiOkResponse({ type: WorkflowInsightsResponse })
  insights(@Param('workflowId') workflowId: string): Promise<WorkflowInsights> {
    return this.services.insights(workflowId);
  }

  @Get('workflows/:workflowId/recommendations')
  @ListPage(
    'recommendations',
    { keyOf: (r: RecommendationView) => [r.proposedAt, r.recommendationId], parts: 2, direction: 'asc' },
    RecommendationResponse,
  )
  @ApiQuery({ name: 'status', required: false, enum: RECOMMENDATION_STATUSES })
  @ApiOperation({
    summary: "A workflow's recommendations, oldest first, with evidence, projected effect and measured impact",
  })
  async recommendations(
    @Param('workflowId') workflowId: string,
    @Query('status') status?: string,
  ): Promise<RecommendationView[]> {
    if (status !== undefined && !(RECOMMENDATION_STATUSES as readonly string[]).includes(status))
      throw invalidQuery('status', `one of ${RECOMMENDATION_STATUSES.join(', ')}`, status);
    const all = await this.services.recommendations(workflowId);
    return status === undefined ? all : all.filter((recommendation) => recommendation.status === status);
  }

  @Post('recommendations/:recommendationId/accept')
  @RequireScopes(SCOPES.workflowsWrite)
  // A decision acts on an existing recommendation (it creates no resource of its own): 200, not POST's default 201.
  @HttpCode(200)
  @ApiBody({ type: RecommendationDecisionBody })
  @ApiOkResponse({ type: RecommendationResponse })
  @ApiOperation({
    summary:
      'Accept a proposed recommendation (memory then applies it and measures its effect); 404 recommendation_not_found, 409 recommendation_already_decided',
  })
  accept(
    @Param('recommendationId') recommendationId: string,
    @Body() body: RecommendationDecisionBody,
    @CurrentPrincipal() who: Principal,
    @Headers('authorization') authorization?: string,
  ): Promise<RecommendationView> {
    return this.decide('accept', recommendationId, body, who, authorization);
  }

  @Post('recommendations/:recommendationId/reject')
  @RequireScopes(SCOPES.workflowsWrite)
  @HttpCode(200)
  @ApiBody({ type: RecommendationDecisionBody })
  @ApiOkResponse({ type: RecommendationResponse })
  @ApiOperation({
    summary: 'Reject a proposed recommendation; 404 recommendation_not_found, 409 recommendation_already_decided',
  })
  reject(
    @Param('recommendationId') recommendationId: string,
    @Body() body: RecommendationDecisionBody,
    @CurrentPrincipal() who: Principal,
    @Headers('authorization') authorization?: string,
  ): Promise<RecommendationView> {
    return this.decide('reject', recommendationId, body, who, authorization);
  }

  @Get('workflows/:workflowId/labels')
  @ApiProduces(NDJSON_MEDIA_TYPE)
  @ApiListQuery('labels')
  @ApiQuery({
    name: 'stepId',
    required: false,
    schema: { type: 'string', pattern: '^[a-z][a-z0-9_-]{0,62}$' },
    description: 'Only the corrections of this step',
  })
  @ApiOkResponse({
    description: 'JSON lines: one LabelledExample per line, oldest decision first',
    headers: LINK_HEADER,
    content: { [NDJSON_MEDIA_TYPE]: { schema: { $ref: getSchemaPath(LabelledExampleResponse) } } },
  })
  @ApiOperation({
    summary:
      "Reviewers' corrections of a workflow (ground truth) as JSON lines: input, model output, corrected output, reviewer, time",
  })
  async labels(
    @Param('workflowId') workflowId: string,
    @Query() query: Record<string, unknown>,
    @Req() request: { originalUrl: string },
    @Res({ passthrough: true }) response: HeaderResponse,
  ): Promise<string> {
    const labelsRequest = labelsRequestOf(workflowId, query);
    const page = await this.services.labels(labelsRequest);
    const link = labelsLinkOf(request.originalUrl, labelsRequest.limit, page);
    if (link !== undefined) response.setHeader('Link', link);
    response.setHeader('Content-Type', `${NDJSON_MEDIA_TYPE}; charset=utf-8`);
    return ndjsonOf(page.labels);
  }

  @Post('workflows/:workflowId/evaluations')
  @RequireScopes(SCOPES.runsStart)
  @ApiBody({ type: RecordEvaluationBody })
  @ApiCreatedResponse({ type: EvaluationRecordedResponse })
  @ApiOperation({
    summary:
      "Record a golden set's result (`ledgerflow eval`) as EvaluationRecorded, to compare runs of the set over versions",
  })
  recordEvaluation(
    @Param('workflowId') workflowId: string,
    @Body() body: RecordEvaluationBody,
    @CurrentPrincipal() who: Principal,
    @Headers('authorization') authorization?: string,
  ): Promise<EvaluationRecorded> {
    if (body.workflowId !== undefined && body.workflowId !== workflowId) {
      const message = `workflowId must be the path's workflow id ${JSON.stringify(workflowId)} when given`;
      throw new ValidationError('request_invalid', `invalid request: workflowId: ${message}`, {
        violations: [{ field: 'workflowId', rule: 'equalsPathParameter', message }],
      });
    }
    const { workflowVersion, goldenSet, goldenSetDigest, passRate, cases } = body;
    return this.services.recordEvaluation({
      evaluation: { workflowId, workflowVersion, goldenSet, goldenSetDigest, passRate, cases },
      ...Authenticator.forwardedCaller(who, authorization),
    });
  }

  @Get('workflows/:workflowId/evaluations')
  @ListPage(
    'evaluations',
    { keyOf: (e: EvaluationRecorded) => [e.recordedAt, e.evaluationId], parts: 2, direction: 'asc' },
    EvaluationRecordedResponse,
  )
  @ApiOperation({ summary: "A workflow's recorded golden-set evaluations, oldest first" })
  evaluations(@Param('workflowId') workflowId: string): Promise<EvaluationRecorded[]> {
    return this.services.evaluations(workflowId);
  }

  private decide(
    decision: 'accept' | 'reject',
    recommendationId: string,
    body: RecommendationDecisionBody,
    who: Principal,
    authorization: string | undefined,
  ): Promise<RecommendationView> {
    return this.services.decideRecommendation({
      recommendationId,
      decision,
      ...(body.comment === undefined ? {} : { comment: body.comment }),
      ...Authenticator.forwardedCaller(who, authorization),
    });
  }
}
