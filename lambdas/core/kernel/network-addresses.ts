/**
 * Which network addresses a gateway URL may name. A member registers the URL other gateways call; a hostile one
 * could name an address inside the callers' networks (the instance metadata service, a private range) and turn
 * every consumer gateway into a proxy into them. Only public addresses and DNS names are accepted, unless the
 * deployment allows private ones (gateways in one VPC) or runs locally (loopback).
 */
import ipaddr from 'ipaddr.js';

/** Host names that reach the machine itself or a cloud metadata service, whatever DNS says. */
const INTERNAL_NAMES = new Set(['localhost', 'metadata', 'metadata.google.internal', 'instance-data', 'instance-data.ec2.internal']);

/** The literal address in a URL host (`[::1]` → `::1`), or undefined for a DNS name. */
function literalAddress(hostname: string): ipaddr.IPv4 | ipaddr.IPv6 | undefined {
  const bare = hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
  if (!ipaddr.isValid(bare)) return undefined;
  const parsed = ipaddr.parse(bare);
  return parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress() ? (parsed as ipaddr.IPv6).toIPv4Address() : parsed;
}

export function isLoopbackHost(hostname: string): boolean {
  const name = hostname.toLowerCase().replace(/\.$/, '');
  if (name === 'localhost' || name.endsWith('.localhost')) return true;
  return literalAddress(name)?.range() === 'loopback';
}

/** Why a host may not be a gateway's address (loopback, link-local/metadata, private, reserved), or undefined. */
export function nonPublicHostReason(hostname: string): string | undefined {
  const name = hostname.toLowerCase().replace(/\.$/, '');
  if (INTERNAL_NAMES.has(name) || name.endsWith('.localhost') || name.endsWith('.internal')) return `${name} is an internal host name`;
  const address = literalAddress(name);
  if (address === undefined) return undefined;
  const range = address.range();
  return range === 'unicast' ? undefined : `${address.toString()} is a ${range} address`;
}
