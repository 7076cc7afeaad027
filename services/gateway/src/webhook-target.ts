import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { ValidationError } from '@ledgerflow/domain';

/** Longest subscription URL accepted, in characters. */
export const MAX_TARGET_URL_LENGTH = 2048;

/**
 * Address ranges a webhook may not reach unless private targets are allowed (`LEDGERFLOW_WEBHOOK_ALLOW_PRIVATE`):
 * loopback, "this network", RFC 1918 private, carrier-grade NAT (RFC 6598), link-local (cloud metadata endpoints
 * such as 169.254.169.254), multicast and reserved; IPv6 loopback, unspecified, unique-local (fc00::/7),
 * link-local (fe80::/10), multicast, and IPv4-mapped forms of the IPv4 ranges (IANA special-purpose registries).
 */
const PRIVATE = (() => {
  const list = new BlockList();
  for (const [net, bits] of [
    ['0.0.0.0', 8],
    ['10.0.0.0', 8],
    ['100.64.0.0', 10],
    ['127.0.0.0', 8],
    ['169.254.0.0', 16],
    ['172.16.0.0', 12],
    ['192.0.0.0', 24],
    ['192.168.0.0', 16],
    ['198.18.0.0', 15],
    ['224.0.0.0', 4],
    ['240.0.0.0', 4],
  ] as const) {
    list.addSubnet(net, bits, 'ipv4');
    list.addSubnet(`::ffff:${net}`, 96 + bits, 'ipv6');
  }
  for (const [net, bits] of [
    ['::', 128],
    ['::1', 128],
    ['fc00::', 7],
    ['fe80::', 10],
    ['ff00::', 8],
  ] as const)
    list.addSubnet(net, bits, 'ipv6');
  return list;
})();

/** Whether `address` (an IPv4 or IPv6 literal) is in a range {@link PRIVATE} lists. */
export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  return PRIVATE.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

const refused = (message: string, rule: string) =>
  new ValidationError('request_invalid', message, {
    field: 'url',
    rule,
    violations: [{ field: 'url', rule, message }],
  });

/**
 * Checks a subscription's target URL as given: absolute `http:` or `https:`, at most {@link MAX_TARGET_URL_LENGTH}
 * characters, no user name or password in it, and (unless `allowPrivate`) not a loopback or private address
 * literal or `localhost`. A host name is resolved at each delivery ({@link resolvePublicTarget}), so a name that
 * later points at a private address is refused then.
 * @returns the URL, normalized by the WHATWG parser.
 * @throws ValidationError `request_invalid` naming field `url` and the rule broken.
 */
export function checkTargetUrl(raw: string, allowPrivate: boolean): string {
  if (raw.length > MAX_TARGET_URL_LENGTH)
    throw refused(`url is longer than ${MAX_TARGET_URL_LENGTH} characters`, 'maxLength');
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw refused('url must be an absolute URL (https://host/path)', 'isUrl');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw refused(`url must use http or https, not ${url.protocol.replace(/:$/, '')}`, 'protocol');
  if (url.username || url.password)
    throw refused(
      'url must not carry a user name or password (the signature authenticates deliveries)',
      'noCredentials',
    );
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (!allowPrivate && (host === 'localhost' || host.endsWith('.localhost') || isPrivateAddress(host))) {
    throw refused(
      `url points at a loopback or private address (${host}); set LEDGERFLOW_WEBHOOK_ALLOW_PRIVATE=true to allow it`,
      'publicAddress',
    );
  }
  return url.toString();
}

/** Why a delivery's target was refused before any request was sent (not retried). */
export class TargetRefusedError extends Error {}

/**
 * Resolves a target's host name right before a delivery and refuses it when any address it resolves to is
 * private (a DNS name re-pointed at an internal service), unless `allowPrivate`.
 * @throws TargetRefusedError naming the host and address; errors of the resolver (unknown host) as they are.
 */
export async function resolvePublicTarget(target: string, allowPrivate: boolean): Promise<void> {
  if (allowPrivate) return;
  const host = new URL(target).hostname.replace(/^\[|\]$/g, '');
  const addresses = isIP(host) ? [{ address: host }] : await lookup(host, { all: true, verbatim: true });
  const inside = addresses.find((a) => isPrivateAddress(a.address));
  if (inside) throw new TargetRefusedError(`${host} resolves to ${inside.address}, a loopback or private address`);
}
