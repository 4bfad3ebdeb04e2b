/**
 * A master's adverts sent by the kernel at their time (src/os/uring.ts, daemon/vrrp/advert-stager.ts)
 * as a peer sees them: every advert once, at its interval, with the ring and without it
 * (KEEPALIVED_TS_URING=0); and at SIGTERM nothing the kernel held goes out after the priority-0
 * advert.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { test } from 'node:test';
import type { Daemon } from '../../src/lab/daemon.js';
import { labUnavailable } from '../../src/lab/lab.js';
import { globalDefs, instance, VrrpLab, waitFor, withVrrpLab } from './vrrp-lab.js';

const skip = labUnavailable();
let v!: VrrpLab;
withVrrpLab(skip, { hosts: ['d1', 'peer'] }, (lab) => (v = lab));

interface Seen {
  readonly t: number;
  readonly vrid: number;
  readonly prio: number;
}

/** tcpdump -e lines of VRRP adverts: time of day in seconds, VRID, priority. */
function adverts(lines: readonly string[]): Seen[] {
  const out: Seen[] = [];
  for (const l of lines) {
    const m = /^(\d\d):(\d\d):(\d\d\.\d+) .*vrid (\d+), prio (\d+)/.exec(l);
    if (m) out.push({ t: Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]), vrid: Number(m[4]), prio: Number(m[5]) });
  }
  return out;
}

/** The VRRP child's io_uring submissions so far (fdinfo's SqTail), or undefined when it has no ring. */
function ringSubmissions(d: Daemon): number | undefined {
  const pid = fs.readFileSync(d.vrrpPidFile, 'utf8').trim();
  for (const fd of fs.readdirSync(`/proc/${pid}/fd`)) {
    let link = '';
    try {
      link = fs.readlinkSync(`/proc/${pid}/fd/${fd}`);
    } catch {
      continue; // closed meanwhile
    }
    if (link !== 'anon_inode:[io_uring]') continue;
    const m = /SqTail:\s*(\d+)/.exec(fs.readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8'));
    if (m) return Number(m[1]);
  }
  return undefined;
}

function config(peerAddress: string, vips: readonly string[]): string {
  return (
    globalDefs('ring') +
    instance({ name: 'VI_M', vrid: 61, priority: 150, version: 3, advertInt: 0.1, vips: [`${vips[0]}/24`] }) +
    instance({ name: 'VI_U', vrid: 62, priority: 150, version: 3, advertInt: 0.1, vips: [`${vips[1]}/24`], extra: `unicast_peer {\n    ${peerAddress}\n  }` })
  );
}

async function cadence(env: NodeJS.ProcessEnv, logLine: string, ring: boolean): Promise<void> {
  const vips = [v.lab.spareAddress(230), v.lab.spareAddress(231)];
  const d = v.start('d1', config(v.lab.host('peer').address, vips), env);
  try {
    await v.waitHolder('d1', ['d1'], `${vips[1]}/24`, 10_000);
    await waitFor(async () => d.output.some((l) => l.includes(logLine)), 5_000, logLine).catch((e: Error) => assert.fail(`${e.message}\n${v.output()}`));
    const before = ringSubmissions(d);
    const seen = adverts(await v.capture('peer', 'ip proto 112', 3));
    const submitted = (ringSubmissions(d) ?? 0) - (before ?? 0);
    // Each batch is a timer and its sends: more submissions than adverts seen, when the kernel sends them.
    if (ring) assert.ok(submitted > seen.length, `${submitted} io_uring submissions for ${seen.length} adverts\n${v.output()}`);
    else assert.equal(before, undefined, 'no io_uring in the VRRP process');
    for (const vrid of [61, 62]) {
      const times = seen.filter((s) => s.vrid === vrid && s.prio === 150).map((s) => s.t);
      const gaps = times.slice(1).map((t, i) => (t - times[i]!) * 1000);
      const msg = `vrid ${vrid}: ${times.length} adverts, gaps ${gaps.map((g) => g.toFixed(1)).join(' ')} ms\n${v.output()}`;
      // 3 s at 100 ms: about 30. An advert sent twice (by the kernel and the event loop) would
      // show as a gap near 0; one sent by neither as a gap near 200 ms.
      assert.ok(times.length >= 26 && times.length <= 31, msg);
      assert.ok(Math.min(...gaps) > 50, msg);
      assert.ok(Math.max(...gaps) < 180, msg);
    }
  } finally {
    await d.kill('SIGTERM');
  }
}

test('the kernel sends a master\'s adverts at their time, each once (io_uring)', { skip, timeout: 60_000 }, async () => {
  await cadence({}, 'adverts: queued to the kernel for their time (io_uring)', true);
});

test('KEEPALIVED_TS_URING=0: the same adverts from the event loop', { skip, timeout: 60_000 }, async () => {
  await cadence({ KEEPALIVED_TS_URING: '0' }, 'adverts: sent from the event loop (KEEPALIVED_TS_URING=0)', false);
});

test('SIGTERM: priority 0 is the last advert of each instance (nothing staged follows it)', { skip, timeout: 60_000 }, async () => {
  const vips = [v.lab.spareAddress(232), v.lab.spareAddress(233)];
  const d = v.start('d1', config(v.lab.host('peer').address, vips));
  await v.waitHolder('d1', ['d1'], `${vips[1]}/24`, 10_000);
  const capture = v.capture('peer', 'ip proto 112', 3);
  await new Promise((r) => setTimeout(r, 1_500));
  await d.kill('SIGTERM');
  const seen = adverts(await capture);
  for (const vrid of [61, 62]) {
    const mine = seen.filter((s) => s.vrid === vrid);
    const msg = `vrid ${vrid}: ${mine.map((s) => s.prio).join(' ')}\n${v.output()}`;
    assert.ok(mine.length > 5, msg);
    assert.equal(mine[mine.length - 1]!.prio, 0, msg);
    assert.equal(mine.filter((s) => s.prio === 0).length, 1, msg);
  }
});
