import { lookup as dnsLookup } from 'node:dns/promises';
import type { LookupFunction } from 'node:net';
import { BlockList, isIP } from 'node:net';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { ApiError } from '../common/errors/api-error';
import type { AppConfig } from '../config/config';

/**
 * Where the gateway may send requests on behalf of an SP or a user (callbacks, and through
 * `isAllowedPushEndpoint` Web Push): never to the gateway's own network. In production only
 * https, never a loopback, private, link-local (cloud metadata 169.254.169.254), CGNAT,
 * unique-local, multicast or unspecified address, never credentials in the URL. The name is
 * resolved when the request is made and the checked address is the one connected to (pinned),
 * so a DNS answer that changes between check and connect cannot point it inside.
 */
export interface EgressPolicy {
  requireHttps: boolean;
  /** Development and tests: private and loopback destinations allowed (EGRESS_ALLOW_PRIVATE). */
  allowPrivate: boolean;
  /** Host names allowed whatever they resolve to (EGRESS_ALLOW_HOSTS), for an SP inside the network on purpose. */
  allowHosts: readonly string[];
}

export function egressPolicyOf(config: Pick<AppConfig, 'nodeEnv' | 'egressAllowPrivate' | 'egressAllowHosts'>): EgressPolicy {
  return { requireHttps: config.nodeEnv === 'production', allowPrivate: config.egressAllowPrivate, allowHosts: config.egressAllowHosts };
}

/** Why a destination is refused, in both languages (never echoing the URL, which may hold credentials). */
export interface EgressRefusal {
  reason: string;
  reasonAr: string;
}

const REFUSALS = {
  malformed: { reason: 'not a valid http(s) URL', reasonAr: 'ليس رابط http(s) صالحاً' },
  userinfo: { reason: 'credentials in the URL are not accepted', reasonAr: 'لا تُقبل بيانات الاعتماد داخل الرابط' },
  https: { reason: 'https is required', reasonAr: 'يلزم استخدام https' },
  address: { reason: 'the destination is a private, loopback or link-local address', reasonAr: 'الوجهة عنوان خاص أو محلي أو عنوان ربط محلي' },
} satisfies Record<string, EgressRefusal>;

const FORBIDDEN = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8], // "this network", unspecified
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // CGNAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, cloud metadata
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
] as const)
  FORBIDDEN.addSubnet(net, bits, 'ipv4');
for (const [net, bits] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7], // unique-local
  ['fe80::', 10], // link-local
  ['ff00::', 8], // multicast
  ['64:ff9b::', 96], // NAT64 can reach IPv4 inside
] as const)
  FORBIDDEN.addSubnet(net, bits, 'ipv6');

/** True for an address the gateway must never connect to on a caller's behalf (IPv4-mapped IPv6 included). */
export function isForbiddenAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return FORBIDDEN.check(mapped[1], 'ipv4');
  const family = isIP(address);
  if (family === 0) return true;
  return FORBIDDEN.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

function hostOf(url: URL): string {
  return url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
}

/** The checks that need no DNS: scheme, credentials, literal addresses. Null when allowed so far. */
export function checkEgressUrl(raw: string, policy: EgressPolicy): EgressRefusal | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return REFUSALS.malformed;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return REFUSALS.malformed;
  if (url.username || url.password) return REFUSALS.userinfo;
  if (policy.requireHttps && url.protocol !== 'https:') return REFUSALS.https;
  const host = hostOf(url);
  if (policy.allowPrivate || policy.allowHosts.includes(host)) return null;
  if (host === 'localhost' || host.endsWith('.localhost')) return REFUSALS.address;
  if (isIP(host) && isForbiddenAddress(host)) return REFUSALS.address;
  return null;
}

/** A resolved destination: the address to connect to, already checked. */
export interface EgressTarget {
  address: string;
  family: 4 | 6;
}

/**
 * The full check at send time: the static rules, then every address the name resolves to (one
 * forbidden address refuses it: a resolver may rotate). Answers the refusal, or the address to pin.
 */
export async function resolveEgress(url: URL, policy: EgressPolicy): Promise<EgressRefusal | EgressTarget> {
  const refused = checkEgressUrl(url.toString(), policy);
  if (refused) return refused;
  const host = hostOf(url);
  const addresses = isIP(host) ? [{ address: host, family: isIP(host) }] : await dnsLookup(host, { all: true, verbatim: true });
  if (addresses.length === 0) throw new Error('no address');
  const exempt = policy.allowPrivate || policy.allowHosts.includes(host);
  if (!exempt && addresses.some((a) => isForbiddenAddress(a.address))) return REFUSALS.address;
  return { address: addresses[0].address, family: addresses[0].family === 6 ? 6 : 4 };
}

export function isEgressRefusal(value: EgressRefusal | EgressTarget): value is EgressRefusal {
  return 'reason' in value;
}

/** A `lookup` that answers the checked address whatever name is asked: the connection goes where the check looked. */
export function pinnedLookup(target: EgressTarget): LookupFunction {
  return ((_host: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
    if (options?.all) callback(null, [{ address: target.address, family: target.family }]);
    else callback(null, target.address, target.family);
  }) as LookupFunction;
}

/**
 * POSTs `body` to `url` after the egress check, connected to the checked address (TLS still
 * verifies the URL's host name). No redirects are followed. Answers the HTTP status, or throws
 * EgressRefused before any connection is made.
 */
export async function egressPost(url: URL, headers: Record<string, string>, body: string, timeoutMs: number, policy: EgressPolicy): Promise<number> {
  const target = await resolveEgress(url, policy);
  if (isEgressRefusal(target)) throw new EgressRefused(target);
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<number>((ok, fail) => {
    const req = send(
      url,
      { method: 'POST', headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) }, lookup: pinnedLookup(target) },
      (res) => {
        res.resume();
        res.on('end', () => ok(res.statusCode ?? 0));
        res.on('error', fail);
      },
    );
    const timer = setTimeout(() => req.destroy(Object.assign(new Error('timeout'), { name: 'TimeoutError' })), timeoutMs);
    req.on('close', () => clearTimeout(timer));
    req.on('error', fail);
    req.end(body);
  });
}

export class EgressRefused extends Error {
  constructor(readonly refusal: EgressRefusal) {
    super(`destination refused by the egress policy: ${refusal.reason}`);
  }
}

/**
 * At onboarding and SP update: refuses a callback URL the policy would refuse at send time
 * (ADM_1000050, both languages, never echoing the URL). A name that does not resolve yet is
 * accepted; the send-time check stays the authority.
 */
export async function assertCallbackUrlAllowed(raw: string | null | undefined, policy: EgressPolicy): Promise<void> {
  if (raw === null || raw === undefined) return;
  let refusal = checkEgressUrl(raw, policy);
  if (!refusal) {
    const resolved = await resolveEgress(new URL(raw), policy).catch(() => null);
    if (resolved && isEgressRefusal(resolved)) refusal = resolved;
  }
  if (refusal) throw new ApiError('ADM_1000050', { reason: refusal.reason, reasonAr: refusal.reasonAr });
}

/** A URL as shown to operators: without the credentials a careless SP may have put in it (older rows). */
export function withoutCredentials(raw: string | null): string | null {
  if (raw === null) return null;
  try {
    const url = new URL(raw);
    url.username = '';
    url.password = '';
    return url.toString();
  } catch {
    return '(invalid URL)';
  }
}

/**
 * A Web Push endpoint the gateway may open a TLS connection to: https on the default port, a host
 * of a known push service (WEB_PUSH_ALLOWED_HOSTS; `*.` entries match sub-domains), no credentials. A subscription is
 * user input: without this, any user could make the gateway connect to any host:port.
 */
export function isAllowedPushEndpoint(endpoint: string, allowedHosts: readonly string[]): boolean {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return false;
  }
  if (url.protocol !== 'https:' || url.port !== '' || url.username || url.password) return false;
  const host = url.hostname.toLowerCase();
  return allowedHosts.some((allowed) => (allowed.startsWith('*.') ? host.endsWith(allowed.slice(1)) && host.length > allowed.length - 1 : host === allowed));
}
