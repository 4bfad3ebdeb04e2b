/** Least-connection steering weights and the conntrack listing they are computed from. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { steeringWeight } from '../../src/lb/dataplane/steering.js';
import { ConntrackCounter, type ConnectionCounts } from '../../src/os/conntrack.js';

function parseConntrack(text: string): ConnectionCounts {
  const c = new ConntrackCounter();
  c.push(text);
  return c.end();
}

test('idle servers: lc is even, wlc and sed follow the weights; weight 0 stays 0', () => {
  assert.equal(steeringWeight('lc', 1, 0, 0), steeringWeight('lc', 5, 0, 0));
  assert.equal(steeringWeight('wlc', 3, 0, 0), 3 * steeringWeight('wlc', 1, 0, 0));
  assert.equal(steeringWeight('sed', 2, 0, 0), 200);
  assert.equal(steeringWeight('wlc', 0, 0, 0), 0);
});

test('load pushes a server down: active connections count fully, inactive as 1/256', () => {
  assert.ok(steeringWeight('wlc', 1, 9, 0) * 9 < steeringWeight('wlc', 1, 0, 0));
  assert.equal(steeringWeight('wlc', 1, 0, 256), steeringWeight('wlc', 1, 1, 0));
  assert.equal(steeringWeight('sed', 1, 0, 1000), steeringWeight('sed', 1, 0, 0), 'sed ignores inactive connections');
  assert.ok(steeringWeight('nq', 1, 0, 0) > 3 * steeringWeight('nq', 5, 1, 0), 'nq: an idle server first');
  assert.equal(steeringWeight('lc', 1, 1000, 0), 1, 'never 0 while the weight is positive');
});

test('conntrack lines count per virtual address and real server, ESTABLISHED as active', () => {
  const text = [
    'tcp      6 431999 ESTABLISHED src=10.1.1.3 dst=10.1.1.100 sport=40000 dport=80 src=10.1.1.4 dst=10.1.1.3 sport=8080 dport=40000 [ASSURED] mark=0 use=1',
    'tcp      6 431999 ESTABLISHED src=10.1.1.3 dst=10.1.1.100 sport=40001 dport=80 src=10.1.1.4 dst=10.1.1.3 sport=8080 dport=40001 [ASSURED] mark=0 use=1',
    'tcp      6 100 TIME_WAIT src=10.1.1.3 dst=10.1.1.100 sport=40002 dport=80 src=10.1.1.5 dst=10.1.1.3 sport=8080 dport=40002 [ASSURED] mark=0 use=1',
    'conntrack v1.4.7 (conntrack-tools): 3 flow entries have been shown.',
  ].join('\n');
  assert.deepEqual([...parseConntrack(text)], [['10.1.1.100|80|10.1.1.4|8080', [2, 0]], ['10.1.1.100|80|10.1.1.5|8080', [0, 1]]]);
});

test('conntrack text counted as it comes from the pipe, cut anywhere, counts the same; lines without two port tuples are skipped', () => {
  const text = [
    'tcp      6 431999 ESTABLISHED src=10.1.1.3 dst=10.1.1.100 sport=40000 dport=80 src=10.1.1.4 dst=10.1.1.3 sport=8080 dport=40000 [ASSURED] mark=0 use=1',
    'icmp     1 29 src=10.1.1.3 dst=10.1.1.100 type=8 code=0 id=7 src=10.1.1.4 dst=10.1.1.3 type=0 code=0 id=7 mark=0 use=1',
    'udp      17 29 src=10.1.1.3 dst=10.1.1.100 sport=5000 dport=53 [UNREPLIED] src=10.1.1.5 dst=10.1.1.3 sport=53 dport=5000 mark=0 use=1',
    'tcp      6 118 SYN_SENT src=10.1.1.3 dst=10.1.1.100 sport=40003 dport=80 [UNREPLIED] src=10.1.1.4 dst=10.1.1.3 sport=8080 dport=40003 mark=0 use=1',
    'tcp      6 431999 ESTABLISHED src=10.1.1.3 dst=10.1.1.100 sport=40004 dport=80 src=10.1.1.4 dst=10.1.1.3 sport=8080 dport=40004 [ASSURED] mark=0 use=1',
  ].join('\n');
  const whole = [...parseConntrack(text)];
  assert.deepEqual(whole, [['10.1.1.100|80|10.1.1.4|8080', [2, 1]], ['10.1.1.100|53|10.1.1.5|53', [0, 1]]]);
  for (const size of [1, 7, 50, 133]) {
    const c = new ConntrackCounter();
    for (let i = 0; i < text.length; i += size) c.push(text.slice(i, i + size));
    assert.deepEqual([...c.end()], whole, `chunks of ${size}`);
  }
});
