import { Body, Controller, Get, HttpCode, Inject, Param, Post } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProperty,
  ApiPropertyOptional,
  ApiTags,
} from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsOptional, IsString, Length, Matches } from 'class-validator';
import { SCOPES } from '@ledgerflow/contracts';
import type { Principal, Scope } from '@ledgerflow/contracts';
import { CurrentPrincipal, RequireScopes } from './auth.decorators.js';
import { OptionalBody } from './body-validation.pipe.js';
import { ListPage } from './list-page.interceptor.js';
import { CreatedServiceAccountResponse, ServiceAccountResponse } from './list-views.dto.js';
import { SERVICE_ACCOUNT_SCOPES, ServiceAccounts } from './service-accounts.js';
import type { ServiceAccountView } from './service-accounts.js';

export class CreateServiceAccountBody {
  @ApiProperty({
    description: 'What the account is for, e.g. the enterprise system: 1..100 of [A-Za-z0-9._-]',
    example: 'claims-core',
  })
  @IsString()
  @Matches(/^[A-Za-z0-9._-]{1,100}$/, { message: 'name must be 1..100 characters of A-Z a-z 0-9 . _ -' })
  name!: string;

  @ApiProperty({ description: 'Scopes of its API key (all but admin)', enum: SERVICE_ACCOUNT_SCOPES, isArray: true })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(10)
  @IsIn([...SERVICE_ACCOUNT_SCOPES], {
    each: true,
    message: `each scope must be one of ${SERVICE_ACCOUNT_SCOPES.join(', ')}`,
  })
  scopes!: Scope[];
}

/** `POST /v1/service-accounts/{id}/revoke`: an optional reason; no body is `{}`. */
@OptionalBody()
export class RevokeServiceAccountBody {
  @ApiPropertyOptional({ maxLength: 2000 })
  @IsOptional()
  @IsString()
  @Length(1, 2000)
  reason?: string;
}

/**
 * Service accounts of enterprise systems (admin only): `POST /v1/service-accounts` answers the API key once
 * (`Authorization: Bearer lfk_...`); `GET` lists accounts without keys; `POST .../{id}/revoke` revokes one.
 */
@ApiTags('service accounts')
@ApiBearerAuth()
@RequireScopes(SCOPES.admin)
@Controller('v1/service-accounts')
export class ServiceAccountsController {
  constructor(@Inject(ServiceAccounts) private readonly accounts: ServiceAccounts) {}

  @Post()
  @ApiBody({ type: CreateServiceAccountBody })
  @HttpCode(201)
  @ApiCreatedResponse({ type: CreatedServiceAccountResponse })
  @ApiOperation({ summary: 'Create a service account; the answer holds its API key, shown only this once' })
  create(
    @Body() { name, scopes }: CreateServiceAccountBody,
    @CurrentPrincipal() who: Principal,
  ): Promise<ServiceAccountView & { apiKey: string }> {
    return this.accounts.create(name, scopes, who);
  }

  @Get()
  @ListPage(
    'service-accounts',
    { keyOf: (a: ServiceAccountView) => [a.createdAt, a.id], parts: 2, direction: 'asc' },
    ServiceAccountResponse,
  )
  @ApiOperation({
    summary: 'List service accounts, oldest first (ids, names, scopes, creation and revocation), never their keys',
  })
  list(): Promise<ServiceAccountView[]> {
    return this.accounts.list();
  }

  @Post(':accountId/revoke')
  @ApiBody({ type: RevokeServiceAccountBody })
  @HttpCode(200)
  @ApiOkResponse({ type: ServiceAccountResponse })
  @ApiOperation({ summary: 'Revoke a service account: its key stops working within 5 s on every gateway' })
  revoke(
    @Param('accountId') accountId: string,
    @Body() { reason }: RevokeServiceAccountBody,
    @CurrentPrincipal() who: Principal,
  ): Promise<ServiceAccountView> {
    return this.accounts.revoke(accountId, who, reason);
  }
}
