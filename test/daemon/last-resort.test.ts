/**
 * The children's last resort (daemon/last-resort.ts), in a small spawned script: an uncaught
 * exception or an unhandled rejection is logged through the process's logger and the process
 * exits with a non-zero code, for the parent to restart it.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { EX_SOFTWARE } from '../../src/daemon/last-resort.js';

const dist = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src');
const url = (p: string) => pathToFileURL(path.join(dist, p)).href;

function run(fault: string) {
  const script = `
    import { consoleLogger } from '${url('base/log.js')}';
    import { installLastResort } from '${url('daemon/last-resort.js')}';
    const log = consoleLogger({ detail: false, timestamps: false, write: (l) => process.stdout.write(l + '\\n') });
    installLastResort(log, 'Test child');
    setTimeout(() => { ${fault} }, 10);
    setTimeout(() => process.stdout.write('still running\\n'), 2000);
  `;
  return spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000 });
}

test('an uncaught exception is logged and the child exits with EX_SOFTWARE', () => {
  const r = run("throw new Error('boom');");
  assert.equal(r.status, EX_SOFTWARE, r.stderr);
  assert.match(r.stdout, /^Test child: uncaught exception: boom - exiting for the parent to restart$/m);
  assert.ok(!r.stdout.includes('still running'));
});

test('an unhandled rejection is logged and the child exits with EX_SOFTWARE', () => {
  const r = run("Promise.reject(new Error('lost'));");
  assert.equal(r.status, EX_SOFTWARE, r.stderr);
  assert.match(r.stdout, /^Test child: unhandled promise rejection: lost - exiting for the parent to restart$/m);
});
