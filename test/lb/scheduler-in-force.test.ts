/** What runs where the nftables data plane substitutes for an IPVS scheduler (scheduler-in-force.ts). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LVS_SCHEDULERS } from '../../src/config/sections/lvs.js';
import { schedulerInForce, schedulerNote } from '../../src/lb/scheduler-in-force.js';

test('DR on nftables schedules with Maglev whatever lb_algo says', () => {
  for (const s of LVS_SCHEDULERS) assert.deepEqual(schedulerInForce('DR', s, 'nft'), { scheduler: 'mh', description: 'Maglev' });
  assert.equal(schedulerNote('DR', '10.0.0.100:80', 'wrr', schedulerInForce('DR', 'wrr', 'nft')), '# DR 10.0.0.100:80: lb_algo wrr runs as mh (Maglev) here');
  assert.equal(schedulerNote('DR', '10.0.0.100:80', 'mh', schedulerInForce('DR', 'mh', 'nft')), undefined);
});

test('NAT on nftables: lblc, lblcr and twos draw by weight, ovf runs as fo; the rest as configured', () => {
  for (const s of ['lblc', 'lblcr', 'twos']) assert.equal(schedulerInForce('NAT', s, 'nft').scheduler, 'random');
  assert.equal(schedulerInForce('NAT', 'ovf', 'nft').scheduler, 'fo');
  for (const s of ['rr', 'wrr', 'lc', 'wlc', 'sh', 'mh', 'dh', 'fo', 'sed', 'nq']) assert.equal(schedulerInForce('NAT', s, 'nft').scheduler, s);
  assert.equal(schedulerNote('NAT', 'FWM 5', 'lblc', schedulerInForce('NAT', 'lblc', 'nft')), '# NAT FWM 5: lb_algo lblc runs as weighted random here');
  assert.equal(schedulerNote('NAT', '[fd00::1]:80', 'ovf', schedulerInForce('NAT', 'ovf', 'nft')), '# NAT [fd00::1]:80: lb_algo ovf runs as fo (highest weight, no overflow) here');
});

test('the userspace proxy runs every scheduler itself', () => {
  for (const s of LVS_SCHEDULERS) {
    assert.equal(schedulerInForce('NAT', s, 'proxy').scheduler, s);
    assert.equal(schedulerInForce('DR', s, 'proxy').scheduler, s);
  }
});
