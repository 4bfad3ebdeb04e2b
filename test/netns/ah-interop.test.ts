/**
 * auth_type AH against the real Keepalived 2.2.7 (Debian's package, built with VRRP_AUTH): adverts
 * inside an IPsec AH header (IP protocol 51), HMAC-MD5-96 keyed by auth_pass, with sequence
 * numbers. keepalived-ts and keepalived in one VRID, each as master and as backup, multicast and
 * unicast: one master, the backup takes over when the master is killed, and the killed one comes
 * back and takes over again (its sequence number picked up from the other's adverts) and, stopped,
 * hands over at once with a priority 0 advert. A wrong
 * password is refused as an authentication failure by both, and each instance becomes master. A
 * crafted sender's adverts with a bad ICV are discarded, the same adverts correctly signed obeyed.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Daemon, waitFor } from '../../src/lab/daemon.js';
import { Lab, labUnavailable } from '../../src/lab/lab.js';
import { Peer } from '../../src/lab/process.js';
import { ahKey, buildAhDatagram } from '../../src/vrrp/ah.js';
import { AUTH_AH, encodeAdvertisement } from '../../src/vrrp/packet.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '../../..');
const VRRP_PEER = path.join(here, 'fixtures', 'vrrp-peer.js');
const skip = labUnavailable() ?? (fs.existsSync('/usr/sbin/keepalived') ? undefined : 'keepalived is not installed');

let lab: Lab;
let dir: string;
const daemons: Daemon[] = [];

before(async () => {
  if (skip) return;
  lab = await Lab.create({ hosts: ['ours', 'theirs'] });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kts-ah-'));
});

after(async () => {
  for (const d of daemons) await d.kill('SIGKILL');
  await lab?.destroy();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

function config(o: { vrid: number; priority: number; vip: string; pass: string; unicast?: { me: string; peer: string } }): string {
  return `global_defs { router_id ah_${o.priority} }
vrrp_instance VI_1 {
  state BACKUP
  interface eth0
  virtual_router_id ${o.vrid}
  priority ${o.priority}
  advert_int 1
  authentication {
    auth_type AH
    auth_pass ${o.pass}
  }
  ${o.unicast ? `unicast_src_ip ${o.unicast.me}\n  unicast_peer { ${o.unicast.peer} }` : ''}
  virtual_ipaddress { ${o.vip}/24 }
}
`;
}

const holds = async (host: string, vip: string) => (await lab.addresses(host)).includes(`${vip}/24`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** keepalived.stats of a daemon (SIGUSR2 to its parent, the file in its $TMPDIR): adverts sent and "Authentication Errors" Failure. */
async function stats(d: Daemon): Promise<{ sent: number; failures: number }> {
  const file = path.join(path.dirname(d.pidFile), 'keepalived.stats');
  fs.rmSync(file, { force: true });
  d.proc.kill('SIGUSR2');
  let text = '';
  await waitFor(() => (text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '').endsWith('\n') && /Failure:/.test(text), 5_000, 'keepalived.stats');
  const m = /Authentication Errors:\s*\n(?:\s+.*\n)*?\s+Failure: (\d+)/.exec(text);
  const sent = /Advertisements:\s*\n\s+Received: \d+\s*\n\s+Sent: (\d+)/.exec(text);
  assert.ok(m && sent, `adverts sent and an authentication failure count in:\n${text}`);
  return { sent: Number(sent[1]), failures: Number(m[1]) };
}

const authFailures = async (d: Daemon) => (await stats(d)).failures;

const out = (...ds: Daemon[]) => ds.map((d, i) => `\n--- daemon ${i}\n${d.output.join('\n')}`).join('');

let vrid = 70;
for (const unicast of [false, true]) {
  for (const oursIsHigher of [true, false]) {
    const name = `AH ${unicast ? 'unicast' : 'multicast'}: ${oursIsHigher ? 'keepalived-ts master, keepalived backup' : 'keepalived master, keepalived-ts backup'}`;
    const id = vrid++;
    test(`${name}; the backup takes over, the master comes back and preempts, then resigns`, { skip, timeout: 90_000 }, async () => {
      const vip = lab.spareAddress(id + 60);
      const ours = lab.host('ours').address;
      const theirs = lab.host('theirs').address;
      const sub = path.join(dir, `${id}`);
      const conf = (host: 'ours' | 'theirs') =>
        config({
          vrid: id, vip, pass: 'interop1',
          priority: (host === 'ours') === oursIsHigher ? 150 : 100,
          ...(unicast ? { unicast: host === 'ours' ? { me: ours, peer: theirs } : { me: theirs, peer: ours } } : {}),
        });
      const start = (host: 'ours' | 'theirs', n: number) => {
        const d = new Daemon(lab, host, path.join(sub, `${host}${n}`), conf(host), repo, host === 'theirs');
        daemons.push(d);
        return d;
      };
      const a = start('ours', 0);
      const b = start('theirs', 0);
      const [masterHost, backupHost] = oursIsHigher ? ['ours', 'theirs'] as const : ['theirs', 'ours'] as const;
      const [master, backup] = oursIsHigher ? [a, b] : [b, a];
      await waitFor(() => holds(masterHost, vip), 15_000, `${masterHost} becomes master`).catch((e: Error) => assert.fail(e.message + out(a, b)));
      await sleep(3_000);
      assert.ok(await holds(masterHost, vip), `${masterHost} stays master${out(a, b)}`);
      assert.ok(!(await holds(backupHost, vip)), `${backupHost} must stay backup${out(a, b)}`);
      assert.equal(await authFailures(backup), 0, `the backup authenticates every advert${out(a, b)}`);
      assert.equal(await authFailures(master), 0, `the master refuses nothing${out(a, b)}`);
      await master.kill('SIGKILL');
      await waitFor(() => holds(backupHost, vip), 15_000, `${backupHost} takes over`).catch((e: Error) => assert.fail(e.message + out(a, b)));
      // The old master comes back with its counter at 0: it takes the number from the adverts it
      // hears, and its own adverts then pass the other's anti-replay check.
      const again = start(masterHost, 1);
      await waitFor(async () => (await holds(masterHost, vip)) && !(await holds(backupHost, vip)), 20_000, `${masterHost} preempts again`)
        .catch((e: Error) => assert.fail(e.message + out(backup, again)));
      await sleep(2_000);
      assert.ok(!(await holds(backupHost, vip)), `${backupHost} backs off for good${out(backup, again)}`);
      // A stopping master's priority 0 advert (AH too) hands over at once: well within the 3.6 s
      // Master_Down interval a lost or refused advert would take.
      const stopped = Date.now();
      await again.kill('SIGTERM');
      await waitFor(() => holds(backupHost, vip), 2_500, `${backupHost} takes over from the priority 0 advert`).catch((e: Error) => assert.fail(e.message + out(backup, again)));
      assert.ok(Date.now() - stopped < 2_500);
      await backup.kill('SIGTERM');
    });
  }
}

test('AH with a wrong password: each side refuses the other (authentication failures) and becomes master', { skip, timeout: 60_000 }, async () => {
  const id = vrid++;
  const vip = lab.spareAddress(id + 60);
  const a = new Daemon(lab, 'ours', path.join(dir, `${id}`, 'ours'), config({ vrid: id, priority: 150, vip, pass: 'interop1' }), repo);
  const b = new Daemon(lab, 'theirs', path.join(dir, `${id}`, 'theirs'), config({ vrid: id, priority: 100, vip, pass: 'wrongpw1' }), repo, true);
  daemons.push(a, b);
  await waitFor(async () => (await holds('ours', vip)) && (await holds('theirs', vip)), 20_000, 'both become master').catch((e: Error) => assert.fail(e.message + out(a, b)));
  await sleep(2_000);
  assert.ok((await holds('ours', vip)) && (await holds('theirs', vip)), `both stay master${out(a, b)}`);
  // Each side keeps refusing the other's adverts, and counts each one it refuses. How many that
  // is depends on the other: Keepalived as master can put its own advert off while ours keep
  // arriving (seen on the wire: its AH sequence number at 2 after ten seconds, ours at 11), so
  // each side's count is held to the adverts the other says it sent, read before and after.
  // Read until each has refused at least one (a loaded machine starts them later), and until
  // Keepalived has counted two of ours.
  let ours = { sent: 0, failures: 0 };
  let theirs = { sent: 0, failures: 0 };
  await waitFor(async () => (ours = await stats(a)).failures >= 1 && (theirs = await stats(b)).failures >= 2, 15_000, 'both count authentication failures').catch(() => undefined);
  assert.ok(ours.failures >= 1, `keepalived-ts counts authentication failures (${ours.failures})${out(a)}`);
  assert.ok(theirs.failures >= 2, `keepalived counts authentication failures (${theirs.failures})${out(b)}`);
  const [oursBefore, theirsBefore] = [await stats(a), await stats(b)];
  await sleep(3_000);
  const [oursAfter, theirsAfter] = [await stats(a), await stats(b)];
  // Every advert one side sent in those seconds is one more failure on the other (one either
  // way for an advert in flight while the counters were read).
  const theirSent = theirsAfter.sent - theirsBefore.sent;
  const ourSent = oursAfter.sent - oursBefore.sent;
  assert.ok(ourSent >= 2, `keepalived-ts as master sends its adverts (${ourSent} in 3 s)`);
  assert.ok(Math.abs(oursAfter.failures - oursBefore.failures - theirSent) <= 1, `keepalived-ts refused ${oursAfter.failures - oursBefore.failures} while keepalived sent ${theirSent}${out(a, b)}`);
  assert.ok(Math.abs(theirsAfter.failures - theirsBefore.failures - ourSent) <= 1, `keepalived refused ${theirsAfter.failures - theirsBefore.failures} while keepalived-ts sent ${ourSent}${out(a, b)}`);
  await a.kill('SIGTERM');
  await b.kill('SIGTERM');
});

for (const real of [false, true]) {
  test(`a crafted sender: AH adverts with a bad ICV do not keep ${real ? 'keepalived' : 'keepalived-ts'} backup; correctly signed they do`, { skip, timeout: 60_000 }, async () => {
    const id = vrid++;
    const vip = lab.spareAddress(id + 60);
    const d = new Daemon(lab, 'ours', path.join(dir, `${id}`, 'ours'), config({ vrid: id, priority: 100, vip, pass: 'interop1' }), repo, real);
    daemons.push(d);
    const forger = await Peer.start(lab, 'theirs', VRRP_PEER);
    try {
      await forger.request({ op: 'open', family: 'inet', ifname: 'eth0', groups: [], protocol: 'ah', quiet: true }, 'opened');
      const src = lab.host('theirs').address;
      const vrrp = encodeAdvertisement(
        { version: 2, vrid: id, priority: 200, intervalCs: 100, family: 'inet', addresses: [vip], authType: AUTH_AH },
        { src, dst: '224.0.0.18' },
      );
      let seq = 1000;
      let stopAt = 0;
      const send = async (signed: boolean) => {
        const datagram = buildAhDatagram(vrrp, { src, dst: '224.0.0.18', id: seq % 0xffff, ttl: 255, seq: seq++, unicast: false }, ahKey('interop1'));
        if (!signed) datagram[20 + 12]! ^= 0x5a; // the ICV
        await forger.request({ op: 'datagram', hex: Buffer.from(datagram).toString('hex'), dst: '224.0.0.18' }, 'sent');
      };
      // Priority 200 every half second: were AH ignored, the instance would stay backup for ever.
      let signed = false;
      const pump = (async () => {
        while (stopAt === 0) {
          await send(signed);
          await sleep(500);
        }
      })();
      await waitFor(() => holds('ours', vip), 15_000, 'the instance becomes master despite the forged adverts').catch((e: Error) => assert.fail(e.message + out(d)));
      assert.ok((await authFailures(d)) >= 4, `the forged adverts are counted as authentication failures${out(d)}`);
      signed = true;
      await waitFor(async () => !(await holds('ours', vip)), 10_000, 'correctly signed, a higher priority makes it back off').catch((e: Error) => assert.fail(e.message + out(d)));
      stopAt = 1;
      await pump;
      await d.kill('SIGTERM');
    } finally {
      await forger.request({ op: 'close' }, 'closed').catch(() => {});
    }
  });
}
