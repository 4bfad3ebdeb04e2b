/**
 * The smallest failing inputs the fuzz targets found (test/fuzz/targets-*.ts), each kept as a
 * test of its own after its fix, so it stays fixed without relying on the seed finding it again.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { proxyHeader } from '../../src/lb/dataplane/proxy-protocol.js';
import { checkProxyHeader, parseProxyHeader } from './targets-proxy.js';

test('proxy v2: a client socket already closed (no remoteAddress) made a RangeError in the connection handler; now LOCAL', () => {
  const h = proxyHeader('v2', {});
  assert.equal(h.subarray(12).toString('hex'), '20000000');
  assert.deepEqual(parseProxyHeader(h), { kind: 'unknown' });
  checkProxyHeader({ version: 'v2', endpoints: { remoteAddress: '1.2.3.4', remotePort: 70000, localAddress: '10.0.0.1', localPort: -1 } });
});

test('proxy v1: an IPv4 and an IPv6 end made "TCP6 0.0.0.0 ..."; now both IPv6, the IPv4 one mapped', () => {
  const e = { remoteAddress: '::ffff:0.0.0.0', remotePort: 0, localAddress: '::0:0:0:0:0:0', localPort: 0 };
  assert.equal(proxyHeader('v1', e).toString(), 'PROXY TCP6 ::ffff:0.0.0.0 ::0:0:0:0:0:0 0 0\r\n');
  checkProxyHeader({ version: 'v1', endpoints: e });
});

test('proxy v2: an IPv4 and an IPv6 end said AF_INET6 with a 24-byte address block; now 36 bytes, v4-mapped', () => {
  const e = { remoteAddress: '1.2.3.4', remotePort: 5, localAddress: 'fd00::1', localPort: 80 };
  assert.equal(proxyHeader('v2', e).readUInt16BE(14), 36);
  checkProxyHeader({ version: 'v2', endpoints: e });
});

test('proxy v1: a link-local peer as Node reports it (fe80::1%eth0) put the zone in the line; ports undefined printed "undefined"', () => {
  assert.equal(proxyHeader('v1', { remoteAddress: 'fe80::1%eth0', remotePort: 5, localAddress: 'fe80::2%eth0', localPort: 80 }).toString(),
    'PROXY TCP6 fe80::1 fe80::2 5 80\r\n');
  assert.equal(proxyHeader('v1', { remoteAddress: '1.2.3.4', localAddress: '10.0.0.1' }).toString(), 'PROXY UNKNOWN\r\n');
});
