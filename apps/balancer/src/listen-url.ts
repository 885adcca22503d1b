import type { AddressInfo } from 'node:net';

/**
 * A URL other processes on this machine can open for the bound address: a wildcard bind
 * (0.0.0.0 or ::) is reported as loopback, and IPv6 addresses get their brackets.
 */
export function listeningUrl(address: AddressInfo | string | null): string {
  if (address === null || typeof address === 'string')
    throw new Error('the balancer is not listening on TCP');
  let host = address.address;
  if (host === '0.0.0.0') host = '127.0.0.1';
  else if (host === '::') host = '::1';
  return `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
}
