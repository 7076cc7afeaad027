import { BearerVerifier, signDevToken } from '@ledgerflow/auth';
import { SCOPES } from '@ledgerflow/contracts';
import { forwardedCallerActor, validateBody } from '@ledgerflow/service-runtime';
import { rejectionOf } from '@ledgerflow/testing';
import { ForkRunDto } from './fork-run.dto.js';
import { StartRunDto } from './start-run.dto.js';

const settings = {
  authSecret: 'a-local-secret-of-at-least-32-bytes!!',
  authIssuer: 'ledgerflow-test',
  authAudience: 'ledgerflow',
};
const verifier = new BearerVerifier({
  keys: { secret: settings.authSecret },
  issuer: settings.authIssuer,
  audience: settings.authAudience,
});
const starter = [SCOPES.runsStart];

describe('forwardedCallerActor: who a forwarded start or fork is recorded for', () => {
  it('a verified token: its subject, a person or a client-credentials service; never its roles or scopes', async () => {
    const ana = await signDevToken(settings, { sub: 'ana', scopes: ['runs:start'], roles: ['claims-lead'] });
    expect(await forwardedCallerActor(verifier, { token: ana }, starter)).toEqual({ kind: 'human', id: 'ana' });
    const crm = await signDevToken(settings, { sub: 'svc:crm', scopes: ['runs:start'] });
    expect(await forwardedCallerActor(verifier, { token: crm }, starter)).toEqual({ kind: 'service', id: 'svc:crm' });
  });

  it('refuses a token that does not verify or lacks the scope', async () => {
    const forged = await signDevToken(
      { ...settings, authSecret: 'another-secret-of-at-least-32-bytes!!' },
      { sub: 'ana', scopes: ['runs:start'] },
    );
    expect((await rejectionOf(forwardedCallerActor(verifier, { token: forged }, starter))).code).toBe('unauthorized');
    const reader = await signDevToken(settings, { sub: 'ana', scopes: ['runs:read'] });
    expect((await rejectionOf(forwardedCallerActor(verifier, { token: reader }, starter))).code).toBe('forbidden');
  });

  it('a service account the gateway authenticated is a service, never a person; no caller: none', async () => {
    expect(await forwardedCallerActor(verifier, { serviceAccount: 'svc:crm:0123456789abcdef' }, starter)).toEqual({
      kind: 'service',
      id: 'svc:crm:0123456789abcdef',
    });
    expect(await forwardedCallerActor(verifier, {}, starter)).toBeUndefined();
    const ana = await signDevToken(settings, { sub: 'ana', scopes: ['runs:start'] });
    expect(
      (
        await rejectionOf(
          forwardedCallerActor(verifier, { token: ana, serviceAccount: 'svc:crm:0123456789abcdef' }, starter),
        )
      ).code,
    ).toBe('request_invalid');
  });

  it('the messages take no actor field, and a serviceAccount must be a service account id', () => {
    const trigger = { workflowId: 'claim-review', idempotencyKey: 'k1', source: 'api', payload: {} };
    expect(() => validateBody(StartRunDto, { ...trigger, actor: { kind: 'human', id: 'ceo' } })).toThrow('actor');
    expect(() => validateBody(StartRunDto, { ...trigger, serviceAccount: 'ceo' })).toThrow('serviceAccount');
    expect(() => validateBody(ForkRunDto, { runId: 'r1', at: 'cp-1', serviceAccount: 'human:ceo' })).toThrow(
      'serviceAccount',
    );
    expect(validateBody(ForkRunDto, { runId: 'r1', at: 'cp-1', token: 't' })).toMatchObject({ token: 't' });
  });
});
