/**
 * timer_expired_backup (Keepalived vrrp.c vrrp_thread_timeout_handler) and vrrp_delay_after_boot
 * (global_parser.c): a master whose advert timer comes so late that a backup of the configured
 * highest other priority has taken over goes to BACKUP; the boot delay is what is left of it
 * since boot, and the longer of it and vrrp_startup_delay wins.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { simInstance } from '../../src/sim/build.js';
import { startupDelayUs } from '../../src/vrrp/from-config.js';
import { initialState, nextAdvertAt, step } from '../../src/vrrp/instance.js';
import { US_PER_SECOND as S, type InstanceParams, type InstanceState } from '../../src/vrrp/types.js';

function master(p: InstanceParams): InstanceState {
  let s = step(p, initialState(p), { kind: 'start' }, 0).state;
  s = step(p, s, { kind: 'timer' }, s.deadline!).state;
  assert.equal(s.state, 'MASTER');
  return s;
}

test('a master whose advert timer fires after a backup at highest_other_priority would have taken over goes to BACKUP, silently', () => {
  const p = simInstance({ primaryAddress: '10.0.0.1', basePriority: 150, nopreempt: true, highestOtherPriority: 100 });
  const s = master(p);
  const lastSent = s.deadline! - p.advertIntervalUs;
  // The backup (priority 100) takes over 3 s + (256 - 100) / 256 s after our last advert.
  const takeover = lastSent + 3 * S + Math.floor((156 * S) / 256);
  const late = step(p, s, { kind: 'timer' }, takeover);
  assert.equal(late.state.state, 'BACKUP');
  assert.deepEqual(late.actions.filter((a) => a.kind === 'send_advert'), [], 'no priority-0 advert (leave_master without advert)');
  assert.ok(late.actions.some((a) => a.kind === 'remove_addresses'));
  assert.ok(late.actions.some((a) => a.kind === 'log' && a.message.startsWith('VRRP thread timer expired')));
  // A little less late: still master, and the advert goes out.
  const early = step(p, s, { kind: 'timer' }, takeover - 1);
  assert.equal(early.state.state, 'MASTER');
  assert.ok(early.actions.some((a) => a.kind === 'send_advert'));
  // Without timer_expired_backup a late timer only sends the advert.
  const plain = simInstance({ primaryAddress: '10.0.0.1', basePriority: 150 });
  assert.equal(step(plain, master(plain), { kind: 'timer' }, 60 * S).state.state, 'MASTER');
});

test('v3: the backup\'s skew is a fraction of the advert interval', () => {
  const p = simInstance({ primaryAddress: '10.0.0.1', version: 3, advertIntervalUs: 100_000, basePriority: 150, nopreempt: true, highestOtherPriority: 200 });
  const s = master(p);
  const lastSent = s.deadline! - p.advertIntervalUs;
  const takeover = lastSent + 300_000 + Math.floor((56 * 100_000) / 256);
  assert.equal(step(p, s, { kind: 'timer' }, takeover - 1).state.state, 'MASTER');
  assert.equal(step(p, s, { kind: 'timer' }, takeover).state.state, 'BACKUP');
});

test('vrrp_delay_after_boot: what is left since boot, or vrrp_startup_delay if longer', () => {
  assert.equal(startupDelayUs({ vrrp_startup_delay: 0, vrrp_delay_after_boot: 100 }, 40), 60 * S);
  assert.equal(startupDelayUs({ vrrp_startup_delay: 0, vrrp_delay_after_boot: 100 }, 400), 0, 'booted long ago');
  assert.equal(startupDelayUs({ vrrp_startup_delay: 90, vrrp_delay_after_boot: 100 }, 40), 90 * S);
  assert.equal(startupDelayUs({ vrrp_startup_delay: 5 }, 1), 5 * S);
  assert.equal(startupDelayUs({ vrrp_startup_delay: 0, vrrp_delay_after_boot: 100 }, undefined), 0, 'no /proc/uptime: ignored, as Keepalived does');
});

test('a master\'s adverts are due one interval after the last was due, however late each timer fires: no drift', () => {
  const p = simInstance({ primaryAddress: '10.0.0.1', version: 3, advertIntervalUs: 10_000, basePriority: 150 });
  let s = master(p);
  const first = s.deadline!;
  // 600 adverts, each timer 0 to 3 ms late (a busy machine): the 600th is due exactly 600 intervals on.
  for (let i = 0; i < 600; i++) {
    const r = step(p, s, { kind: 'timer' }, s.deadline! + ((i * 7) % 4) * 1000);
    assert.ok(r.actions.some((a) => a.kind === 'send_advert'));
    s = r.state;
  }
  assert.equal(s.deadline, first + 600 * 10_000);
  // A timer more than a whole interval late is not made up for by a burst: the next is due an interval on.
  const late = step(p, s, { kind: 'timer' }, s.deadline! + 25_000).state;
  assert.equal(late.deadline, s.deadline! + 25_000 + 10_000);
});

test('nextAdvertAt: from the due time while within the interval, else from now', () => {
  assert.equal(nextAdvertAt(1000, 1000, 100), 1100);
  assert.equal(nextAdvertAt(1000, 1099, 100), 1100);
  assert.equal(nextAdvertAt(1000, 1100, 100), 1200);
  assert.equal(nextAdvertAt(1000, 1500, 100), 1600);
});
