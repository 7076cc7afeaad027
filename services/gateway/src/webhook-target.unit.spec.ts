import fc from 'fast-check';
import { checkTargetUrl, isPrivateAddress, resolvePublicTarget } from './webhook-target.js';

/** Where a webhook may be sent: public http(s) targets only, unless private targets are allowed. */
describe('webhook targets', () => {
  it.each([
    '127.0.0.1',
    '127.255.0.9',
    '10.1.2.3',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '::1',
    '::',
    'fd00::1',
    'fe80::1',
    '::ffff:127.0.0.1',
    '::ffff:10.0.0.1',
    '224.0.0.1',
  ])('%s is private', (address) => expect(isPrivateAddress(address)).toBe(true));

  it.each(['8.8.8.8', '172.32.0.1', '192.169.0.1', '2606:4700::1111', '::ffff:8.8.8.8', 'example.com'])(
    '%s is not',
    (address) => {
      expect(isPrivateAddress(address)).toBe(false);
    },
  );

  it('refuses other schemes, credentials, long URLs, loopback and private literals, naming the rule', () => {
    const rule = (url: string) => {
      try {
        checkTargetUrl(url, false);
        return 'accepted';
      } catch (error) {
        return (error as { details: { rule: string } }).details.rule;
      }
    };
    expect(rule('https://hooks.example.com/x')).toBe('accepted');
    expect(rule('file:///etc/passwd')).toBe('protocol');
    expect(rule('javascript:alert(1)')).toBe('protocol');
    expect(rule('not a url')).toBe('isUrl');
    expect(rule('https://a:b@example.com/')).toBe('noCredentials');
    expect(rule(`https://example.com/${'a'.repeat(2100)}`)).toBe('maxLength');
    for (const url of [
      'http://localhost:8080/',
      'http://127.0.0.1/',
      'http://[::1]/',
      'http://169.254.169.254/latest/meta-data',
      'http://0x7f000001/',
      'http://2130706433/',
      'http://api.localhost/',
    ]) {
      expect([url, rule(url)]).toEqual([url, 'publicAddress']);
    }
    expect(checkTargetUrl('http://127.0.0.1:9/hook', true)).toBe('http://127.0.0.1:9/hook');
  });

  it('never throws anything but a validation error, whatever the string', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.webUrl()), (url) => {
        try {
          checkTargetUrl(url, false);
        } catch (error) {
          expect((error as { code?: string }).code).toBe('request_invalid');
        }
      }),
      { numRuns: 500 },
    );
  });

  it('refuses at delivery a host name that resolves to a loopback address', async () => {
    await expect(resolvePublicTarget('http://localhost:1/x', false)).rejects.toThrow(
      /localhost resolves to (127\.0\.0\.1|::1), a loopback or private address/,
    );
    await expect(resolvePublicTarget('http://localhost:1/x', true)).resolves.toBeUndefined();
  });
});
