/**
 * `keepalived-ts lvs` against a running daemon (dataplane-rig.ts): the NAT services in the
 * kernel as `ipvsadm -Ln` lists them, one of them with -t, the connection entries with -Lnc; with
 * the table deleted under the live daemon, that it is missing; once the daemon is killed with
 * SIGKILL (its state file left behind in its directory), that no daemon runs. Both exit 1.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { repo, rig, skip, waitFor, type Rig } from './dataplane-rig.js';

const killed: number[] = [];
after(() => {
  // The rig destroys its lab (and the processes it started); a checker process that outlived
  // its parent is ours too, by the PID its pid file gave.
  for (const pid of killed) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
});

function lvs(r: Rig, ...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const p = spawnSync('ip', ['netns', 'exec', r.lab.host('director').ns, process.execPath, path.join(repo, 'bin/keepalived-ts'), 'lvs', '--checkers-pid', path.join(r.dir, 'c.pid'), ...args], { encoding: 'utf8' });
  return { code: p.status, stdout: p.stdout, stderr: p.stderr };
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

test('lvs -Ln lists the NAT services in the kernel, -t VIP:PORT only that one, -Lnc its connections; a missing table and, after SIGKILL, no daemon are said', { skip }, async () => {
  // A second NAT service, lblc, with one unchecked server.
  const second = 'virtual_server __VIP2__ 81 {\n  lb_algo lblc\n  lb_kind NAT\n  protocol TCP\n  real_server __RS1__ 8080 {\n  }\n}\n';
  await rig('NAT', async (r) => {
    const vip2 = r.lab.spareAddress(101);
    await waitFor('the first checks', () => (r.out().match(/TCP_CHECK on service .* succeeded\./g) ?? []).length >= 2, 10_000);
    await waitFor('the table', async () => (await r.tables()).includes('inet keepalived_ts'), 5_000);
    const rs = (h: string) => r.lab.host(h).address;
    const dest = (h: string, w: number) => `  -> ${`${rs(h)}:8080`.padEnd(28)} Masq    ${String(w).padEnd(6)} `;

    const all = lvs(r, '-Ln');
    assert.equal(all.code, 0, all.stderr);
    const lines = all.stdout.split('\n');
    assert.deepEqual(lines.slice(0, 3), ['IP Virtual Server version 1.2.1 (size=4096)', 'Prot LocalAddress:Port Scheduler Flags', '  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn']);
    assert.ok(lines.includes(`TCP  ${r.vip}:80 wrr`), all.stdout);
    assert.ok(lines.some((l) => l.startsWith(dest('rs1', 1))), all.stdout);
    assert.ok(lines.some((l) => l.startsWith(dest('rs2', 3))), all.stdout);
    assert.ok(lines.includes(`TCP  ${vip2}:81 lblc`), all.stdout);
    assert.equal(lines.filter((l) => l.startsWith(dest('rs1', 1))).length, 2, all.stdout);
    // lblc is a weighted random draw in the NAT table: said after the table, and nowhere else.
    assert.equal(lines.filter((l) => l.startsWith('#')).join('\n'), `# NAT ${vip2}:81: lb_algo lblc runs as weighted random here`);

    const one = lvs(r, '-Ln', '-t', `${r.vip}:80`);
    assert.equal(one.code, 0, one.stderr);
    const oneLines = one.stdout.trimEnd().split('\n');
    assert.equal(oneLines[0], 'Prot LocalAddress:Port Scheduler Flags');
    assert.equal(oneLines[2], `TCP  ${r.vip}:80 wrr`);
    assert.equal(oneLines.length, 5, one.stdout);
    assert.doesNotMatch(one.stdout, new RegExp(vip2.replaceAll('.', '\\.')));
    assert.deepEqual(lvs(r, '-Lnt', `${r.vip}:82`), { code: 1, stdout: '', stderr: 'No such service\n' });

    const got = await r.requests(4);
    assert.equal(got.errors, 0);
    const conns = lvs(r, '-Lnc');
    assert.equal(conns.code, 0, conns.stderr);
    const rows = conns.stdout.trimEnd().split('\n');
    assert.deepEqual(rows.slice(0, 2), ['IPVS connection entries', 'pro expire state       source             virtual            destination']);
    const client = rs('client');
    const ours = rows.slice(2).filter((l) => new RegExp(`^TCP \\d\\d:\\d\\d  \\S+ +${client.replaceAll('.', '\\.')}:\\d+ +${r.vip.replaceAll('.', '\\.')}:80 +(${rs('rs1')}|${rs('rs2')}):8080$`).test(l));
    assert.equal(ours.length, 4, conns.stdout);

    const json = JSON.parse(lvs(r, '-Ln', '--json').stdout) as { services: Array<{ port: number; scheduler: string; schedulerInForce: { scheduler: string } }> };
    assert.deepEqual(json.services.map((s) => [s.port, s.scheduler, s.schedulerInForce.scheduler]), [[80, 'wrr', 'wrr'], [81, 'lblc', 'random']]);

    // The table gone under a live daemon (an operator's `nft flush ruleset`): said, exit 1.
    const checkerPid = Number(fs.readFileSync(path.join(r.dir, 'c.pid'), 'utf8'));
    await r.lab.exec('director', 'nft', 'delete', 'table', 'inet', 'keepalived_ts');
    assert.deepEqual(lvs(r, '-Ln'), { code: 1, stdout: '', stderr: `keepalived-ts lvs: the checker process (pid ${checkerPid}) is running, but the nftables table inet keepalived_ts is missing\n` });

    // SIGKILL to both, stopped first: a checker process that saw its parent go would shut down
    // cleanly and take its state file with it.
    const checker = Number(fs.readFileSync(path.join(r.dir, 'c.pid'), 'utf8'));
    killed.push(checker);
    process.kill(r.daemon.pid!, 'SIGSTOP');
    process.kill(checker, 'SIGSTOP');
    process.kill(checker, 'SIGKILL');
    process.kill(r.daemon.pid!, 'SIGKILL');
    await waitFor('the daemon gone', () => !alive(checker) && !alive(r.daemon.pid!), 5_000);
    assert.ok(fs.existsSync(path.join(r.dir, 'c.lvs.json')), 'the state file stays after SIGKILL');
    const gone = lvs(r, '-Ln');
    assert.deepEqual(gone, { code: 1, stdout: '', stderr: `keepalived-ts lvs: no keepalived-ts checker process is running (pid file ${path.join(r.dir, 'c.pid')})\n` });
  }, '', [1, 3], undefined, undefined, { preamble: second });
});
