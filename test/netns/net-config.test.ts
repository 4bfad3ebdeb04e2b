/**
 * linuxNetConfig() against a real kernel: addresses, routes and rules from keepalived.conf lines
 * go in exactly as written (checked with `ip -j`), come out again, and removing what is gone or
 * adding what is there is not an error, as in Keepalived. Each test works in its own namespace
 * (a Lab, src/lab/lab.ts), removed afterwards even when the test fails. Needs root.
 */
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { after, before, describe, test } from 'node:test';
import { memoryConfigFs } from '../../src/config/fs.js';
import { loadConfig } from '../../src/config/load.js';
import { runIp } from '../../src/os/ip-command.js';
import { linuxNetConfig, NetConfigError } from '../../src/os/net-config.js';
import { Lab, labUnavailable } from '../../src/lab/lab.js';

const load = (text: string) => loadConfig('/etc/k.conf', { fs: memoryConfigFs({ '/etc/k.conf': text }), configId: 'x' }).config;
// The kernel keeps addresses in its own order (by scope, then newest first); compare as sets.
const byLocal = (a: { local: string }, b: { local: string }) => a.local.localeCompare(b.local);
const block = (kw: string, lines: readonly string[]) => `${kw} {\n${lines.map((l) => `  ${l}\n`).join('')}}\n`;

interface AddrInfo {
  family: string;
  local: string;
  prefixlen: number;
  scope: string;
  label?: string;
  broadcast?: string;
  nodad?: boolean;
  deprecated?: boolean;
  preferred_life_time?: number;
}

describe('NetConfig in a network namespace', { skip: labUnavailable() }, () => {
  let lab: Lab;
  let ns: string;
  const json = <T>(...args: string[]): T => JSON.parse(lab.execSync('h', 'ip', '-j', ...args) || '[]') as T;
  const addrs = (): AddrInfo[] => json<Array<{ addr_info: AddrInfo[] }>>('addr', 'show', 'dev', 'eth0')[0]!.addr_info;
  const net = () => linuxNetConfig({ netns: ns });

  before(async () => {
    lab = await Lab.create({ hosts: ['h'], subnet: [9, 0], ipv6: true, prefix6: 'fd00::', multicastSnooping: false });
    ns = lab.host('h').ns;
  });
  after(() => lab?.destroy());

  test('IPv4 VIPs: /32 on the instance interface by default; brd, label and scope exactly', async () => {
    const c = load(
      block('static_ipaddress', ['10.9.1.1', '10.9.1.2/24 dev eth0 brd + label eth0:vip scope link', '10.9.1.3 dev eth0 scope host']),
    );
    const vips = c.static_ipaddress;
    await net().addAddresses(vips, 'eth0');
    const got = addrs().filter((a) => a.local.startsWith('10.9.1.')).sort(byLocal);
    assert.deepEqual(
      got.map((a) => [a.local, a.prefixlen, a.scope, a.label, a.broadcast]),
      [
        ['10.9.1.1', 32, 'global', 'eth0', undefined],
        ['10.9.1.2', 24, 'link', 'eth0:vip', '10.9.1.255'],
        ['10.9.1.3', 32, 'host', 'eth0', undefined],
      ],
    );
    await net().addAddresses(vips, 'eth0'); // already there: not an error
    assert.deepEqual(
      (await net().addressesOf('eth0')).filter((a) => a.startsWith('10.')).sort(),
      ['10.9.0.1/24', '10.9.1.1/32', '10.9.1.2/24', '10.9.1.3/32'],
    );
    await net().removeAddresses(vips, 'eth0');
    assert.deepEqual(addrs().filter((a) => a.local.startsWith('10.9.1.')), []);
    await net().removeAddresses(vips, 'eth0'); // already gone: not an error
    assert.deepEqual(await net().addressesOf('nosuch0'), [], 'a missing link holds no addresses');
  });

  test('IPv6 VIPs: nodad unless -nodad, a /128 deprecated (preferred_lft 0) as Keepalived', async () => {
    const vips = load(block('static_ipaddress', ['fd00:1::1', 'fd00:1::2/64 dev eth0 -nodad'])).static_ipaddress;
    await net().addAddresses(vips, 'eth0');
    const got = addrs().filter((a) => a.local.startsWith('fd00:1::')).sort(byLocal);
    assert.deepEqual(
      got.map((a) => [a.local, a.prefixlen, !!a.nodad, a.preferred_life_time]),
      [
        ['fd00:1::1', 128, true, 0],
        ['fd00:1::2', 64, false, 4294967295],
      ],
    );
    assert.ok((await net().addressesOf('eth0')).includes('fd00:1::1/128'));
    await net().removeAddresses(vips, 'eth0');
    await net().removeAddresses(vips, 'eth0');
    assert.deepEqual(addrs().filter((a) => a.local.startsWith('fd00:1::')), []);
  });

  test('routes: table, metric, blackhole, IPv6, protocol keepalived; removed twice is fine', async () => {
    const c = load(
      block('static_routes', [
        '10.20.0.0/16 via 10.9.0.254 dev eth0 table 100 metric 50',
        'blackhole 10.21.0.0/16 table 100 no_track',
        '10.22.0.0/16 dev eth0',
        'fd00:2::/64 via fd00::254 dev eth0 table 100 metric 5',
      ]),
    );
    assert.equal(c.static_routes.length, 4);
    await net().addRoutes(c.static_routes, 'eth0');
    await net().addRoutes(c.static_routes, 'eth0'); // already there: not an error
    type Rt = { type?: string; dst: string; gateway?: string; dev?: string; protocol: string; metric?: number; scope?: string };
    const pick = (r: Rt) => [r.type ?? 'unicast', r.dst, r.gateway, r.dev, r.protocol, r.metric];
    assert.deepEqual(json<Rt[]>('route', 'show', 'table', '100').map(pick), [
      ['unicast', '10.20.0.0/16', '10.9.0.254', 'eth0', 'keepalived', 50],
      ['blackhole', '10.21.0.0/16', undefined, undefined, 'keepalived', undefined],
    ]);
    const main = json<Rt[]>('route', 'show', 'table', 'main').find((r) => r.dst === '10.22.0.0/16');
    assert.deepEqual([main?.dev, main?.protocol, main?.scope], ['eth0', 'keepalived', undefined], 'scope global, as Keepalived');
    assert.deepEqual(json<Rt[]>('-6', 'route', 'show', 'table', '100').map(pick), [
      ['unicast', 'fd00:2::/64', 'fd00::254', 'eth0', 'keepalived', 5],
    ]);
    await net().removeRoutes(c.static_routes, 'eth0');
    assert.deepEqual(json<Rt[]>('route', 'show', 'table', '100'), []);
    assert.deepEqual(json<Rt[]>('-6', 'route', 'show', 'table', '100'), []);
    assert.equal(json<Rt[]>('route', 'show').find((r) => r.dst === '10.22.0.0/16'), undefined);
    await net().removeRoutes(c.static_routes, 'eth0');
  });

  test('rules: from/to/table/preference in both families; removed twice is fine', async () => {
    const c = load(
      block('static_rules', [
        'from 10.9.0.0/24 table 100 preference 100',
        'to 10.30.0.0/16 table 101 preference 101',
        'fwmark 0x7/0xff table 102 preference 102',
        'from fd00::/64 table 100 preference 103',
        'inet6 fwmark 3 table 104 preference 104',
      ]),
    );
    assert.equal(c.static_rules.length, 5);
    await net().addRules(c.static_rules);
    await net().addRules(c.static_rules);
    type Ru = { priority: number; src: string; srclen?: number; dst?: string; dstlen?: number; table: string; fwmark?: string; fwmask?: string; protocol?: string };
    const ours = (rs: Ru[]) =>
      rs.filter((r) => r.priority >= 100 && r.priority < 200).map((r) => [r.priority, r.src, r.srclen, r.dst, r.dstlen, r.fwmark, r.fwmask, r.table, r.protocol]);
    assert.deepEqual(ours(json<Ru[]>('rule', 'show')), [
      [100, '10.9.0.0', 24, undefined, undefined, undefined, undefined, '100', 'keepalived'],
      [101, 'all', undefined, '10.30.0.0', 16, undefined, undefined, '101', 'keepalived'],
      [102, 'all', undefined, undefined, undefined, '0x7', '0xff', '102', 'keepalived'],
    ]);
    assert.deepEqual(ours(json<Ru[]>('-6', 'rule', 'show')), [
      [103, 'fd00::', 64, undefined, undefined, undefined, undefined, '100', 'keepalived'],
      [104, 'all', undefined, undefined, undefined, '0x3', undefined, '104', 'keepalived'],
    ]);
    await net().removeRules(c.static_rules);
    assert.deepEqual(ours(json<Ru[]>('rule', 'show')), []);
    assert.deepEqual(ours(json<Ru[]>('-6', 'rule', 'show')), []);
    await net().removeRules(c.static_rules);
  });

  test('a real failure names its line; the rest of the batch is still applied', async () => {
    const vips = load(block('static_ipaddress', ['10.9.2.1 dev nosuch0', '10.9.2.2'])).static_ipaddress;
    const err = await net().addAddresses(vips, 'eth0').then(
      () => assert.fail('expected a NetConfigError'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof NetConfigError);
    assert.equal(err.failures.length, 1);
    assert.equal(err.failures[0]!.line, 1);
    assert.match(err.message, /addr add 10\.9\.2\.1\/32 dev nosuch0.*Cannot find device/);
    assert.ok(addrs().some((a) => a.local === '10.9.2.2'), 'line 2 applied');
    await net().removeAddresses(vips, 'eth0'); // the missing device on delete is benign
    assert.equal(addrs().some((a) => a.local === '10.9.2.2'), false);
  });

  test('a line iproute2 cannot parse (it exits at once) does not stop the lines after it', async () => {
    const [r1, r2] = load(block('static_routes', ['10.40.0.0/16 dev eth0 table 100', '10.41.0.0/16 dev eth0 table 100'])).static_routes;
    // No model line reads like this; it stands for a word an older iproute2 does not know.
    const broken = { ...r1!, type: 'nonsense' };
    const err = await net().addRoutes([broken, r2!], 'eth0').then(
      () => assert.fail('expected a NetConfigError'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof NetConfigError);
    assert.deepEqual(err.failures.map((f) => f.line), [1]);
    assert.match(err.failures[0]!.message, /nonsense/);
    type Rt = { dst: string };
    assert.deepEqual(json<Rt[]>('route', 'show', 'table', '100').map((r) => r.dst), ['10.41.0.0/16']);
    await net().removeRoutes([r2!], 'eth0');
  });

  test('timing: one ip -batch run for 1 and for 50 addresses', async (t) => {
    const v = (n: number) => load(block('static_ipaddress', Array.from({ length: n }, (_, i) => `10.9.3.${i + 1}`))).static_ipaddress;
    const one = v(1);
    const fifty = v(50);
    const time = async (f: () => Promise<unknown>, runs: number) => {
      const ms: number[] = [];
      for (let i = 0; i < runs; i++) {
        const t0 = performance.now();
        await f();
        ms.push(performance.now() - t0);
      }
      ms.sort((a, b) => a - b);
      return ms[Math.floor(ms.length / 2)]!;
    };
    const spawn = await time(() => runIp({ netns: ns }, ['-V']), 20);
    const add1 = await time(async () => {
      await net().addAddresses(one, 'eth0');
      await net().removeAddresses(one, 'eth0');
    }, 20);
    const add50 = await time(async () => {
      await net().addAddresses(fifty, 'eth0');
      await net().removeAddresses(fifty, 'eth0');
    }, 10);
    const addOnly50 = await time(() => net().addAddresses(fifty, 'eth0'), 1);
    assert.equal(addrs().filter((a) => a.local.startsWith('10.9.3.')).length, 50);
    await net().removeAddresses(fifty, 'eth0');
    const msg =
      `median: spawn of 'ip -n NS -V' ${spawn.toFixed(1)} ms; add+remove 1 address ${add1.toFixed(1)} ms; ` +
      `add+remove 50 ${add50.toFixed(1)} ms; add 50 once ${addOnly50.toFixed(1)} ms`;
    t.diagnostic(msg);
  });
});
