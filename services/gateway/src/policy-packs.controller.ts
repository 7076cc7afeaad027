import { Body, Controller, Get, Headers, Inject, Param, Put, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import {
  POLICY_PACK_STREAM_PREFIX,
  SCOPES,
  foldPolicyPackVersions,
  policyPackStreamId,
  policyPackSummaryOf,
  policyPackViewOf,
} from '@ledgerflow/contracts';
import type { PolicyPackSummary, PolicyPackView } from '@ledgerflow/contracts';
import { LedgerflowError } from '@ledgerflow/domain';
import { readAllPages } from '@ledgerflow/event-store';
import type { EventStore, StoredEvent } from '@ledgerflow/event-store';
import { EVENT_STORE } from '@ledgerflow/service-runtime';
import { RequireScopes } from './auth.decorators.js';
import { Authenticator } from './authenticator.js';
import { ServicesClient } from './services.client.js';
import {
  PolicyPackResponse,
  PolicyPackSummaryResponse,
  RegisterPolicyPackBody,
  RegisterPolicyPackResponse,
} from './policy-packs.dto.js';
import { ListPage } from './list-page.interceptor.js';
import { VERSIONS_NEWEST_FIRST } from './list-page.js';

/**
 * Policy packs (docs/policies.md, "Applying packs"). `PUT` forwards the version and files with the caller's own bearer
 * token to the policy service (`lf.policy.register-pack`), the one writer of `policypack-*` streams, which verifies the
 * token, validates the files as at start-up, records the caller as `registeredBy` and as the event's `metadata.actor`
 * (`via: policy`), and activates the version for decisions made after it answered; reads fold those streams here.
 */
@ApiTags('policy-packs')
@ApiBearerAuth()
@RequireScopes(SCOPES.runsRead)
@Controller('v1/policy-packs')
export class PolicyPacksController {
  constructor(
    @Inject(ServicesClient) private readonly services: ServicesClient,
    @Inject(EVENT_STORE) private readonly store: EventStore,
  ) {}

  /**
   * Registers a version of a pack. 201 created; 200 the same version with the same digest exists (nothing appended);
   * 400 `request_invalid` (body shape); 422 `policy_pack_invalid` (details `field`, `rule`, and inside a file `file`,
   * `line`, `column`; the message starts `<file>:<line>:<column>:`); 409 `policy_pack_version_exists`. Needs
   * `workflows:write` in a bearer JWT (the policy service verifies it again; an API key is not forwardable).
   */
  @Put(':packName')
  @ApiBody({ type: RegisterPolicyPackBody })
  @RequireScopes(SCOPES.workflowsWrite)
  @ApiResponse({ status: 201, type: RegisterPolicyPackResponse })
  @ApiResponse({
    status: 200,
    type: RegisterPolicyPackResponse,
    description: 'The same version with the same digest: unchanged',
  })
  @ApiOperation({
    summary: 'Register a policy pack version (validated as at start-up; versions are immutable; the highest is active)',
  })
  async register(
    @Param('packName') packName: string,
    @Body() { version, files }: RegisterPolicyPackBody,
    @Res({ passthrough: true }) response: { status(code: number): unknown },
    @Headers('authorization') authorization?: string,
  ): Promise<RegisterPolicyPackResponse> {
    const result = await this.services.registerPolicyPack({
      pack: packName,
      version,
      files,
      token: Authenticator.credentialOf(authorization),
    });
    response.status(result.created ? 201 : 200);
    return result;
  }

  @Get()
  @ListPage(
    'policy-packs',
    { keyOf: (p: PolicyPackSummary) => [p.pack], parts: 1, direction: 'asc' },
    PolicyPackSummaryResponse,
  )
  @ApiOperation({ summary: 'Registered policy packs: name, kind, active version (semver), number of versions' })
  async list(): Promise<PolicyPackSummary[]> {
    const byStream = new Map<string, StoredEvent[]>();
    await readAllPages(this.store, { fromPosition: 0, streamPrefix: POLICY_PACK_STREAM_PREFIX }, (event) => {
      byStream.set(event.streamId, [...(byStream.get(event.streamId) ?? []), event]);
    });
    return [...byStream.entries()]
      .map(([streamId, events]) =>
        policyPackSummaryOf(foldPolicyPackVersions(streamId.slice(POLICY_PACK_STREAM_PREFIX.length), events)),
      )
      .filter((summary): summary is PolicyPackSummary => summary !== undefined)
      .sort((a, b) => (a.pack < b.pack ? -1 : 1));
  }

  @Get(':packName')
  @ListPage('policy-pack-versions', VERSIONS_NEWEST_FIRST, PolicyPackResponse, { field: 'versions' })
  @ApiOperation({
    summary:
      "A pack and its versions, newest first, a page at a time (digest, source, registeredAt, registeredBy, files), and the active version's files; 404 policy_pack_unknown",
  })
  async get(@Param('packName') packName: string): Promise<PolicyPackView> {
    const view = policyPackViewOf(
      foldPolicyPackVersions(packName, await this.store.readStream(policyPackStreamId(packName))),
    );
    if (view === undefined)
      throw new LedgerflowError('policy_pack_unknown', `no policy pack ${packName} is registered`, false, {
        pack: packName,
      });
    return view;
  }
}
