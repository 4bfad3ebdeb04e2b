/**
 * keepalived-ts as PID 1 of a PID namespace (a container): an orphan in the namespace - here a
 * `sleep` a notify_backup script left running in the background - is re-parented to it, and when
 * it is killed it must be reaped, not left a zombie (a zombie still matches `killall -0`, so a
 * check for a dead server would never fail). The daemon runs under
 * `unshare --pid --fork --mount-proc` in a lab host's network namespace.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Lab, labUnavailable } from '../../src/lab/lab.js';
import { waitFor } from '../../src/lab/daemon.js';

const skip = labUnavailable();
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
let lab: Lab | undefined;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kts-pid1-'));
after(async () => {
  await lab?.destroy();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Host pids whose command line is exactly `argv`. */
function pidsOf(argv: readonly string[]): number[] {
  const want = argv.join('\0') + '\0';
  const out: number[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (fs.readFileSync(`/proc/${name}/cmdline`, 'latin1') === want) out.push(Number(name));
    } catch {
      /* gone */
    }
  }
  return out;
}

function stat(pid: number): { state: string; ppid: number } | undefined {
  try {
    const t = fs.readFileSync(`/proc/${pid}/stat`, 'latin1');
    const [state, ppid] = t.slice(t.lastIndexOf(')') + 2).split(' ');
    return { state: state!, ppid: Number(ppid) };
  } catch {
    return undefined;
  }
}

test('as PID 1 of a PID namespace, a killed orphan is reaped, not left a zombie', { skip, timeout: 60_000 }, async () => {
  lab = await Lab.create({ hosts: ['a'] });
  const marker = `3617.${process.pid % 1000}`;
  const script = path.join(dir, 'orphan.sh');
  fs.writeFileSync(script, `#!/bin/sh\n/bin/sleep ${marker} </dev/null >/dev/null 2>&1 &\nexit 0\n`, { mode: 0o755 });
  const conf = path.join(dir, 'keepalived.conf');
  fs.writeFileSync(conf, `global_defs {
  router_id pid1
}
vrrp_instance VI_1 {
  state BACKUP
  interface eth0
  virtual_router_id 61
  priority 100
  advert_int 1
  virtual_ipaddress {
    ${lab.spareAddress(61)}/24
  }
  notify_backup ${script}
}
`);
  const daemon = lab.spawn('a', 'unshare', ['--pid', '--fork', '--mount-proc', process.execPath, path.join(repo, 'bin/keepalived-ts'),
    '-n', '-l', '-D', '-P', '-f', conf, '-p', path.join(dir, 'k.pid'), '-r', path.join(dir, 'v.pid')], { env: { ...process.env, TMPDIR: dir } });
  let out = '';
  daemon.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  daemon.stderr!.on('data', (b: Buffer) => (out += b.toString()));
  try {
    await waitFor(() => pidsOf(['/bin/sleep', marker]).length === 1, 20_000, `the orphan started by notify_backup (output: ${out})`);
    const orphan = pidsOf(['/bin/sleep', marker])[0]!;
    // Its parent is the daemon itself, PID 1 inside, once the script's shell is gone.
    await waitFor(() => pidsOf([process.execPath, path.join(repo, 'bin/keepalived-ts'), '-n', '-l', '-D', '-P', '-f', conf, '-p', path.join(dir, 'k.pid'), '-r', path.join(dir, 'v.pid')]).includes(stat(orphan)?.ppid ?? -1), 10_000, 'the orphan re-parented to the daemon');
    assert.match(out, /Starting VRRP child process/);
    process.kill(orphan, 'SIGKILL');
    // Reaped: its /proc entry goes. Left alone it would stay in state Z for ever.
    await waitFor(() => stat(orphan) === undefined, 10_000, 'the orphan reaped (left alone it stays a zombie)');
    assert.ok(!out.includes('exited with'), `a child of the daemon died: ${out}`);
  } finally {
    // SIGTERM to the daemon (PID 1 inside): it stops its child and exits, and the namespace goes with it.
    const pid1 = pidsOf([process.execPath, path.join(repo, 'bin/keepalived-ts'), '-n', '-l', '-D', '-P', '-f', conf, '-p', path.join(dir, 'k.pid'), '-r', path.join(dir, 'v.pid')])[0];
    if (pid1 !== undefined) process.kill(pid1, 'SIGTERM');
    await waitFor(() => daemon.exitCode !== null || daemon.signalCode !== null, 15_000, 'the daemon stopped');
  }
  assert.match(out, /Stopped keepalived-ts/);
});
