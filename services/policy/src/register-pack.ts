import { IsObject, IsString, Length, Matches } from 'class-validator';
import type { Actor, RegisterPolicyPackRequest, RegisterPolicyPackResult } from '@ledgerflow/contracts';
import { ValidationError } from '@ledgerflow/domain';
import { readPackVersion } from '@ledgerflow/policy-engine';
import type { PolicyPackCatalog } from './policy-pack-catalog.js';

/** Largest total of a pack version's file texts, in characters (the gateway's body limit is 256 KiB). */
export const MAX_PACK_TEXT = 256 * 1024;

/** The body of `lf.policy.register-pack` (RegisterPolicyPackRequest in @ledgerflow/contracts). */
export class RegisterPackDto implements RegisterPolicyPackRequest {
  @IsString()
  @Matches(/^[a-z][a-z0-9-]{0,62}$/, { message: 'pack must match ^[a-z][a-z0-9-]{0,62}$' })
  pack!: string;

  @IsString()
  @Matches(/^\d+\.\d+\.\d+$/, { message: 'version must be MAJOR.MINOR.PATCH' })
  version!: string;

  /** File name -> text; names and texts are checked by `registerPack`. */
  @IsObject()
  files!: Record<string, string>;

  /** The caller's own bearer JWT, forwarded by the gateway; the policy service verifies it (at most 16 KiB). */
  @IsString()
  @Length(1, 16_384)
  token!: string;
}

/**
 * Registers a pack version sent over the API (`PUT /v1/policy-packs/{name}`, `ledgerflow policies apply`) with the
 * rules of `readPackVersion` (source `api`: privacy packs refused), then the catalog's (immutable versions). Nothing
 * is appended on a refusal.
 * @throws ValidationError `request_invalid` (400) for a file text that is not a string or texts over 256 KiB in
 *   total (details `field`, `rule`).
 * @throws LedgerflowError `policy_pack_invalid` (422) with `field`, `rule` and, inside a file, `file`, `line`, `column`.
 * @throws PolicyPackVersionExistsError `policy_pack_version_exists` (409).
 */
export async function registerPack(
  catalog: PolicyPackCatalog,
  request: Omit<RegisterPolicyPackRequest, 'token'>,
  by: Actor,
): Promise<RegisterPolicyPackResult> {
  let total = 0;
  for (const [name, text] of Object.entries(request.files)) {
    if (typeof text !== 'string')
      throw new ValidationError(
        'request_invalid',
        `files["${name.slice(0, 100)}"] must be the file's text (a string)`,
        { field: `/files/${name}`, rule: 'string' },
      );
    total += text.length;
  }
  if (total > MAX_PACK_TEXT)
    throw new ValidationError('request_invalid', `the files hold ${total} characters; at most ${MAX_PACK_TEXT}`, {
      field: '/files',
      rule: 'max_length',
    });
  const { pack, digest } = readPackVersion(request, { source: 'api' });
  return catalog.register({
    pack: request.pack,
    version: request.version,
    kind: pack.kind,
    files: request.files,
    digest,
    source: 'api',
    registeredBy: by,
  });
}
