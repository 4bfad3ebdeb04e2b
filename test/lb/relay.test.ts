/**
 * The relay loop driven by hand in this thread (wait(0) between turns of Node's event loop), for
 * orders of events a worker thread would meet only by chance.
 */
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { test } from 'node:test';
import { Relay } from '../../src/lb/dataplane/relay.js';
import type { ServicePool } from '../../src/lb/dataplane/types.js';
import { reusePortListener } from '../../src/os/reuseport.js';
import { load } from '../config/lvs-helpers.js';
import { freePort } from './free-port.js';


function pool(vsPort: number, serverPort: number): ServicePool[] {
  const vs = load(`virtual_server 127.0.0.1 ${vsPort} {\n protocol TCP\n lb_algo rr\n lb_kind NAT\n real_server 127.0.0.1 1 {\n }\n}\n`).config.virtual_server[0]!;
  return [{ key: 'vs', vs, entries: [{ ip: '127.0.0.1', port: serverPort, weight: 1, server: 0 }] }];
}

/** Turns of the relay and of this thread's event loop, `ms` long. */
async function turn(relay: Relay, ms: number): Promise<void> {
  for (const end = Date.now() + ms; Date.now() < end; ) {
    relay.wait(0);
    await new Promise((r) => setTimeout(r, 5));
  }
}

test('relay: an answer and a reset that arrive together: the answer is passed on before the reset', async () => {
  let server: net.Socket | undefined;
  const srv = net.createServer((c) => {
    server = c;
    c.on('error', () => undefined);
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = await freePort();
  const relay = new Relay({ listenFd: reusePortListener, log: () => undefined });
  try {
    relay.apply(pool(port, (srv.address() as net.AddressInfo).port));
    let text = '';
    let closed = false;
    const client = net.connect(port, '127.0.0.1');
    client.on('data', (d) => (text += d.toString()));
    client.on('error', () => undefined);
    client.on('close', () => (closed = true));
    await turn(relay, 200);
    assert.ok(server, 'connected through the relay');
    // While the relay is not looking, the server answers and resets: both wait in its socket.
    server.write('answer');
    server.resetAndDestroy();
    await new Promise((r) => setTimeout(r, 50));
    await turn(relay, 200);
    assert.equal(text, 'answer');
    assert.ok(closed, 'and the connection is closed');
  } finally {
    relay.close();
    relay.free();
    srv.close();
  }
});
