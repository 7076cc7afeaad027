import { IsOptional, IsString, IsUrl, MinLength, ValidateBy } from 'class-validator';
import { createPublicKey } from 'node:crypto';
import { Env, RequiredWhen } from '@ledgerflow/config';
import type { CommonConfig } from '@ledgerflow/config';
import { BearerVerifier } from './bearer-verifier.js';

/** The settings every service that authenticates people needs (gateway, approval, planner). */
export interface AuthSettings {
  LEDGERFLOW_AUTH_JWKS_URL?: string;
  LEDGERFLOW_AUTH_SECRET?: string;
  LEDGERFLOW_AUTH_PUBLIC_KEY?: string;
  LEDGERFLOW_AUTH_ISSUER: string;
  LEDGERFLOW_AUTH_AUDIENCE: string;
}

const URL_RULE = { require_tld: false, require_protocol: true, protocols: ['http', 'https'] };
const noOtherKey = (c: AuthSettings) => !c.LEDGERFLOW_AUTH_JWKS_URL && !c.LEDGERFLOW_AUTH_PUBLIC_KEY;

const IsPublicKeyPem = () =>
  ValidateBy({
    name: 'isPublicKeyPem',
    validator: {
      validate: (value: unknown) => {
        try {
          return typeof value === 'string' && createPublicKey(value.replace(/\\n/g, '\n')).type === 'public';
        } catch {
          return false;
        }
      },
      defaultMessage: () => 'must be a public key in PEM (-----BEGIN PUBLIC KEY----- ...; RSA, EC or Ed25519)',
    },
  });

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the TypeScript mixin pattern needs `any[]`
type ConfigClass<T> = new (...args: any[]) => T;

/**
 * Adds the bearer-token settings to a service's config class (a mixin, so the planner can keep `PrivacyConfig`).
 * One key source is required: `LEDGERFLOW_AUTH_JWKS_URL` (an OIDC provider), `LEDGERFLOW_AUTH_PUBLIC_KEY`
 * (PEM) or `LEDGERFLOW_AUTH_SECRET` (HS256, at least 32 characters; one machine). When several are set the
 * JWKS URL wins, then the public key.
 * @example export class GatewayConfig extends WithAuthConfig(CommonConfig) { ... }
 */
export function WithAuthConfig<B extends ConfigClass<CommonConfig>>(Base: B) {
  class AuthConfig extends Base implements AuthSettings {
    /** JWKS of the OIDC provider that issues bearer tokens, e.g. `https://idp.example.com/.well-known/jwks.json`. */
    @Env('LEDGERFLOW_AUTH_JWKS_URL')
    @IsOptional()
    @IsUrl(URL_RULE)
    LEDGERFLOW_AUTH_JWKS_URL?: string;

    /** Local HS256 key of bearer tokens (one machine, development), at least 32 characters. */
    @Env('LEDGERFLOW_AUTH_SECRET')
    @RequiredWhen(noOtherKey, 'neither LEDGERFLOW_AUTH_JWKS_URL nor LEDGERFLOW_AUTH_PUBLIC_KEY is set')
    @IsString()
    @MinLength(32)
    LEDGERFLOW_AUTH_SECRET?: string;

    /** Local public key (PEM) of bearer tokens signed by a key you hold (RS*, PS*, ES*, EdDSA). */
    @Env('LEDGERFLOW_AUTH_PUBLIC_KEY')
    @IsOptional()
    @IsPublicKeyPem()
    LEDGERFLOW_AUTH_PUBLIC_KEY?: string;

    /** Expected `iss` of bearer tokens. */
    @Env('LEDGERFLOW_AUTH_ISSUER', { default: 'ledgerflow' }) // DEFAULT_AUTH_ISSUER (a literal: deploy checks read it)
    @IsString()
    @MinLength(1)
    LEDGERFLOW_AUTH_ISSUER!: string;

    /** Expected `aud` of bearer tokens. */
    @Env('LEDGERFLOW_AUTH_AUDIENCE', { default: 'ledgerflow-api' }) // DEFAULT_AUTH_AUDIENCE
    @IsString()
    @MinLength(1)
    LEDGERFLOW_AUTH_AUDIENCE!: string;
  }
  return AuthConfig;
}

/** The verifier the settings describe (JWKS URL, else public key, else secret). */
export function bearerVerifierOf(settings: AuthSettings): BearerVerifier {
  const keys = settings.LEDGERFLOW_AUTH_JWKS_URL
    ? { jwksUrl: settings.LEDGERFLOW_AUTH_JWKS_URL }
    : settings.LEDGERFLOW_AUTH_PUBLIC_KEY
      ? { publicKeyPem: settings.LEDGERFLOW_AUTH_PUBLIC_KEY }
      : { secret: settings.LEDGERFLOW_AUTH_SECRET ?? '' };
  return new BearerVerifier({
    keys,
    issuer: settings.LEDGERFLOW_AUTH_ISSUER,
    audience: settings.LEDGERFLOW_AUTH_AUDIENCE,
  });
}
