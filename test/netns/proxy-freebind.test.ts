/**
 * A backup director's proxy: it starts before VRRP has put the virtual server's address on the
 * host (IP_FREEBIND lets it listen there anyway), and serves as soon as the address arrives.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Lab, labUnavailable } from '../../src/lab/lab.js';

const dist = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const skip = labUnavailable() ?? false;

/** Lines of a child's stdout, one at a time. */
function lineReader(stream: NodeJS.ReadableStream): () => Promise<string> {
  let buf = '';
  const waiting: Array<(l: string) => void> = [];
  const ready: string[] = [];
  stream.on('data', (d: Buffer) => {
    buf += d.toString();
    for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
      const l = buf.slice(0, i);
      buf = buf.slice(i + 1);
      const w = waiting.shift();
      if (w) w(l);
      else ready.push(l);
    }
  });
  return () => (ready.length ? Promise.resolve(ready.shift()!) : new Promise((r) => waiting.push(r)));
}

for (const engine of ['relay', 'streams'] as const) {
  test(`${engine}: the proxy listens on a VIP not yet on the host and serves once it is added`, { skip, timeout: 60_000 }, async () => {
    const lab = await Lab.create({ hosts: ['client', 'director', 'rs1'] });
    const dirs: string[] = [];
    try {
      const vip = lab.spareAddress(100);
      const rs1 = lab.host('rs1');
      const server = lab.spawn('rs1', process.execPath, ['-e', `
        const u = require('node:dgram').createSocket('udp4');
        u.on('message', (m, r) => u.send('rs1:' + m, r.port, r.address));
        u.bind(8080, '${rs1.address}');
        require('node:net').createServer((c) => { c.on('error', () => {}); c.end('rs1'); })
          .listen(8080, '${rs1.address}', () => process.stdout.write('up\\n'));
      `]);
      assert.equal(await lineReader(server.stdout!)(), 'up');
      // A file, not -e: worker threads inherit execArgv, and --input-type fails them.
      const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'kts-freebind-')), 'director.mjs');
      fs.writeFileSync(file, `
        import { ProxyWorkers } from '${dist}/src/lb/dataplane/proxy-workers.js';
        import { memoryLogger } from '${dist}/src/base/log.js';
        import { load } from '${dist}/test/config/lvs-helpers.js';
        const conf = (proto) => load('virtual_server ${vip} 80 {\\n protocol ' + proto + '\\n lb_algo rr\\n lb_kind NAT\\n real_server ${rs1.address} 8080 {\\n }\\n}\\n').config.virtual_server[0];
        const entries = [{ ip: '${rs1.address}', port: 8080, weight: 1, server: 0 }];
        const plane = new ProxyWorkers(memoryLogger(), { workers: 1, engine: '${engine}' });
        plane.apply([{ key: 'tcp', vs: conf('TCP'), entries }, { key: 'udp', vs: conf('UDP'), entries }])
          .then(() => process.stdout.write('applied\\n'), (e) => process.stdout.write('failed: ' + e.message + '\\n'));
        process.stdin.on('data', () => undefined);
        process.stdin.on('end', () => plane.close().then(() => process.exit(0)));
      `);
      dirs.push(path.dirname(file));
      const director = lab.spawn('director', process.execPath, [file]);
      const line = lineReader(director.stdout!);
      assert.equal(await line(), 'applied');
      await lab.exec('director', 'ip', 'addr', 'add', `${vip}/32`, 'dev', 'eth0');
      const got = await lab.exec('client', process.execPath, '-e', `
        const s = require('node:net').connect(80, '${vip}');
        let t = ''; s.on('data', (d) => t += d); s.on('end', () => process.stdout.write(t)); s.on('error', (e) => process.stdout.write(e.code));
      `);
      assert.equal(got, 'rs1');
      // UDP: Node's dgram binds again every second until the address is there.
      const udp = await lab.exec('client', process.execPath, '-e', `
        const u = require('node:dgram').createSocket('udp4');
        const t = setInterval(() => u.send('ping', 80, '${vip}'), 200);
        u.on('message', (m) => process.stdout.write(String(m), () => process.exit(0)));
        setTimeout(() => process.exit(1), 10000);
      `);
      assert.equal(udp, 'rs1:ping');
      director.stdin!.end();
      await new Promise((r) => director.once('exit', r));
    } finally {
      await lab.destroy();
      for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
    }
  });
}
