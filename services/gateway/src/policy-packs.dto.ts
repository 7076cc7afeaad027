import { ApiProperty } from '@nestjs/swagger';
import { IsObject, IsString, Matches } from 'class-validator';
import type {
  Actor,
  PolicyPackSource,
  PolicyPackSummary,
  PolicyPackVersionView,
  PolicyPackView,
  RegisterPolicyPackResult,
} from '@ledgerflow/contracts';

/** `PUT /v1/policy-packs/{name}` body: the version and its files; the files declare the pack (docs/policies.md). */
export class RegisterPolicyPackBody {
  @ApiProperty({ description: 'MAJOR.MINOR.PATCH; each file must declare <name>@<version>', example: '1.1.0' })
  @IsString()
  @Matches(/^\d+\.\d+\.\d+$/, { message: 'version must be MAJOR.MINOR.PATCH' })
  version!: string;

  @ApiProperty({
    description:
      'File name -> text as written: .cedar files (one capability pack) or one .yaml/.yml obligation pack (approval, compliance); 1..20 files, 256 KiB in all',
    type: 'object',
    additionalProperties: { type: 'string' },
    example: { 'claims-payout.cedar': '// @pack claims-payout@1.1.0\n@id("payout-ceiling")\n...' },
  })
  @IsObject()
  files!: Record<string, string>;
}

/** `PUT /v1/policy-packs/{name}` answer (201 created, 200 the same version and digest were registered already). */
export class RegisterPolicyPackResponse implements RegisterPolicyPackResult {
  @ApiProperty() pack!: string;
  @ApiProperty() version!: string;
  @ApiProperty({ description: 'sha256:<64 hex> over the canonical JSON of the files' }) digest!: string;
  @ApiProperty({ description: 'false: this version with this digest was registered already; nothing was appended' })
  created!: boolean;
  @ApiProperty({ description: 'The version decisions use from now on: the highest registered (semver)' })
  activeVersion!: string;
}

/** One row of `GET /v1/policy-packs`. */
export class PolicyPackSummaryResponse implements PolicyPackSummary {
  @ApiProperty() pack!: string;
  @ApiProperty({ enum: ['capability', 'approval', 'privacy', 'compliance'] }) kind!: string;
  @ApiProperty({ description: 'Highest version by semver precedence: the one decisions use' }) activeVersion!: string;
  @ApiProperty() versionCount!: number;
}

export class PolicyPackVersionResponse implements PolicyPackVersionView {
  @ApiProperty() version!: string;
  @ApiProperty() kind!: string;
  @ApiProperty() digest!: string;
  @ApiProperty({ enum: ['api', 'directory'] }) source!: PolicyPackSource;
  @ApiProperty({ description: 'Commit time in the event store, ISO-8601 UTC' }) registeredAt!: string;
  @ApiProperty({ description: '{kind, id}: the caller of the API, or the policy service for a directory file' })
  registeredBy!: Actor;
  @ApiProperty({ type: [String] }) files!: string[];
}

/** `GET /v1/policy-packs/{name}`: versions newest first and the active version's files. */
export class PolicyPackResponse extends PolicyPackSummaryResponse implements PolicyPackView {
  @ApiProperty({ type: [PolicyPackVersionResponse] }) versions!: PolicyPackVersionResponse[];
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' } }) files!: Record<string, string>;
}
