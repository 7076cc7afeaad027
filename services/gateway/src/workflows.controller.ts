import { Body, Controller, Get, Headers, Inject, Param, Put, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiConsumes, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { SCOPES, WORKFLOW_STREAM_PREFIX, workflowStreamId } from '@ledgerflow/contracts';
import type { StepStats, WorkflowSummary, WorkflowView } from '@ledgerflow/contracts';
import { UnknownWorkflowError, foldWorkflowVersions, workflowSummaryOf, workflowViewOf } from '@ledgerflow/definitions';
import { readStreamsWithPrefix } from '@ledgerflow/event-store';
import type { EventStore } from '@ledgerflow/event-store';
import { EVENT_STORE } from '@ledgerflow/service-runtime';
import { RequireScopes } from './auth.decorators.js';
import { Authenticator } from './authenticator.js';
import { ListPage } from './list-page.interceptor.js';
import { VERSIONS_NEWEST_FIRST } from './list-page.js';
import { ServicesClient } from './services.client.js';
import { RegisterWorkflowResponse, WorkflowResponse, WorkflowSummaryResponse } from './workflows.dto.js';
import { AcceptsYaml, DocumentText, YAML_MEDIA_TYPES } from './yaml-body.js';
import { StepStatsResponse } from './views.dto.js';

/**
 * Workflow definitions (docs/definitions.md, "Registering definitions"). `PUT` forwards the definition text with
 * the caller's own bearer token to the planner (`lf.planner.register-workflow`), the one writer of `workflow-*`
 * streams, which validates it as at start-up; reads fold those streams from the event store here.
 */
@ApiTags('workflows')
@ApiBearerAuth()
@RequireScopes(SCOPES.runsRead)
@Controller('v1/workflows')
export class WorkflowsController {
  constructor(
    @Inject(ServicesClient) private readonly services: ServicesClient,
    @Inject(EVENT_STORE) private readonly store: EventStore,
  ) {}

  /**
   * Registers a version of a definition: YAML (`application/yaml`, `text/yaml`) or the same document as JSON.
   * 201 created; 200 the same version with the same digest exists (nothing appended); 422 `definition_invalid`
   * (details: `source`, `errors` [{path, rule, message, line?, column?}], `field`, `rule`, `reason` = the start-up
   * code); 409 `workflow_version_exists` (the version exists with other content); 415 another media type.
   * Needs `workflows:write` in a bearer JWT (the planner verifies it again; a service account's API key is not
   * forwardable: use a client-credentials JWT).
   */
  @Put(':workflowId')
  @RequireScopes(SCOPES.workflowsWrite)
  @AcceptsYaml()
  @ApiConsumes(...YAML_MEDIA_TYPES, 'application/json')
  @ApiBody({
    description: 'The workflow definition (docs/definitions.md); its `id` must be the path id',
    schema: { type: 'string' },
  })
  @ApiResponse({ status: 201, type: RegisterWorkflowResponse })
  @ApiResponse({
    status: 200,
    type: RegisterWorkflowResponse,
    description: 'The same version with the same digest: unchanged',
  })
  @ApiOperation({
    summary: 'Register a workflow definition version (validated as at start-up; versions are immutable)',
  })
  async register(
    @Param('workflowId') workflowId: string,
    @Body(DocumentText) text: string,
    @Res({ passthrough: true }) response: { status(code: number): unknown },
    @Headers('authorization') authorization?: string,
  ): Promise<RegisterWorkflowResponse> {
    const result = await this.services.registerWorkflow({
      workflowId,
      text,
      token: Authenticator.credentialOf(authorization),
    });
    response.status(result.created ? 201 : 200);
    return result;
  }

  @Get()
  @ListPage(
    'workflows',
    { keyOf: (w: WorkflowSummary) => [w.workflowId], parts: 1, direction: 'asc' },
    WorkflowSummaryResponse,
  )
  @ApiOperation({ summary: 'Registered workflows: id, title, latest version (semver), number of versions' })
  async list(): Promise<WorkflowSummary[]> {
    const byStream = await readStreamsWithPrefix(this.store, WORKFLOW_STREAM_PREFIX);
    return [...byStream.entries()]
      .map(([streamId, events]) =>
        workflowSummaryOf(foldWorkflowVersions(streamId.slice(WORKFLOW_STREAM_PREFIX.length), events)),
      )
      .filter((summary): summary is WorkflowSummary => summary !== undefined)
      .sort((a, b) => (a.workflowId < b.workflowId ? -1 : 1));
  }

  @Get(':workflowId')
  @ListPage('workflow-versions', VERSIONS_NEWEST_FIRST, WorkflowResponse, { field: 'versions' })
  @ApiOperation({
    summary:
      "A workflow and its versions, newest first, a page at a time: digest, source (api or directory), registeredAt, registeredBy; the latest version's inputSchema; 404 workflow_unknown",
  })
  async get(@Param('workflowId') workflowId: string): Promise<WorkflowView & { readonly inputSchema: unknown }> {
    const versions = foldWorkflowVersions(workflowId, await this.store.readStream(workflowStreamId(workflowId)));
    const view = workflowViewOf(versions);
    if (view === undefined) throw new UnknownWorkflowError(workflowId);
    // The schema a new run's input is checked against (runs start on the latest version), as written in the
    // definition; `true` (any input) when it declares none, as the planner defaults it. Clients build start forms from it.
    return { ...view, inputSchema: versions.versions[0]?.definition['inputSchema'] ?? true };
  }

  @Get(':workflowId/stats')
  @ListPage('step-stats', { keyOf: (s: StepStats) => [s.stepId], parts: 1, direction: 'asc' }, StepStatsResponse)
  @ApiOperation({
    summary:
      'Per-step statistics learned by memory, by step id, a page at a time: runs, success rate, p50/p95 duration (ms)',
  })
  stats(@Param('workflowId') workflowId: string): Promise<StepStats[]> {
    return this.services.stepStats(workflowId);
  }
}
