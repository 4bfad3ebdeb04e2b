/** global_defs email, SMTP, scripts, FIFOs and script user. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatEmailAddress } from '../../src/config/sections/global.js';
import { assertClean, diags, loadGlobal } from './global-helpers.js';

const g = (...lines: string[]) => loadGlobal(...lines).config.global_defs;

test('notification_email collects addresses from the block, quoting display names as Keepalived', () => {
  const r = loadGlobal('notification_email {', '  admin@example1.com "My admin <admin@example2.com>"', '  "J. Smith <js@example.org>"', '}');
  assertClean(r);
  assert.deepEqual(r.config.global_defs.notification_email, ['admin@example1.com', 'My admin <admin@example2.com>', '"J. Smith" <js@example.org>']);
  assert.deepEqual(diags(loadGlobal('notification_email a@b')), ["2 error notification_email: missing '{' at beginning of configuration block"]);
  assert.deepEqual(diags(loadGlobal('notification_email {', '}')), ['2 warning empty notification_email block']);
});

test('formatEmailAddress', () => {
  assert.equal(formatEmailAddress('a@b'), 'a@b');
  assert.equal(formatEmailAddress('Admin <a@b>'), 'Admin <a@b>');
  assert.equal(formatEmailAddress('Dr. "X" <a@b>'), '"Dr. \\"X\\"" <a@b>');
  assert.equal(formatEmailAddress('no-open-bracket>'), 'no-open-bracket>');
});

test('notification_email_from', () => {
  assert.equal(g('notification_email_from admin@example.com').notification_email_from, 'admin@example.com');
  assert.deepEqual(diags(loadGlobal('notification_email_from a@b c')), ["2 warning notification_email_from - ignoring extra entries 'c'"]);
});

test('smtp_server: address or name, default port 25', () => {
  assert.deepEqual(g('smtp_server 127.0.0.1').smtp_server, { address: '127.0.0.1', port: 25, pos: { file: '/etc/k.conf', line: 2 } });
  assert.deepEqual(g('smtp_server 2001:db8::1 587').smtp_server?.port, 587);
  assert.equal(g('smtp_server mail.example.com 2525').smtp_server?.address, 'mail.example.com');
  assert.deepEqual(diags(loadGlobal('smtp_server 300.1.1.1', 'smtp_server mail..x', 'smtp_server 10.0.0.1 0', 'smtp_server 10.0.0.1 x')), [
    '2 error Invalid smtp server 300.1.1.1 25',
    '3 error Invalid smtp server mail..x 25',
    '4 error Invalid smtp server 10.0.0.1 0',
    '5 error Invalid smtp server 10.0.0.1 x',
  ]);
});

test('smtp_connect_timeout: 0 means 1, at most 4294', () => {
  assert.equal(g('smtp_connect_timeout 10').smtp_connect_timeout, 10);
  const r = loadGlobal('smtp_connect_timeout 0');
  assert.deepEqual(diags(r), ['2 warning smtp_connect_timeout must be greater than 0, setting to 1']);
  assert.equal(r.config.global_defs.smtp_connect_timeout, 1);
  assert.deepEqual(diags(loadGlobal('smtp_connect_timeout -1')), ["2 error smtp_connect_timeout: number '-1' outside range [0, 4294]"]);
});

test('smtp_helo_name and smtp_alert*', () => {
  const d = g('smtp_helo_name helo.example', 'smtp_alert', 'smtp_alert_vrrp off', 'smtp_alert_checker yes', 'checker_log_all_failures');
  assert.deepEqual([d.smtp_helo_name, d.smtp_alert, d.smtp_alert_vrrp, d.smtp_alert_checker, d.checker_log_all_failures], ['helo.example', true, false, true, true]);
  assert.equal(g().smtp_alert, undefined, 'unset means "not configured"');
});

test('startup and shutdown scripts with timeouts', () => {
  const d = g(`startup_script "/usr/local/bin/up.sh 'a b'" root wheel`, 'startup_script_timeout 20', 'shutdown_script /bin/down.sh', 'shutdown_script_timeout 1000');
  assert.deepEqual(d.startup_script?.args, ['/usr/local/bin/up.sh', 'a b']);
  assert.equal(d.startup_script?.user, 'root');
  assert.equal(d.startup_script?.group, 'wheel');
  assert.deepEqual(d.shutdown_script?.args, ['/bin/down.sh']);
  assert.deepEqual([d.startup_script_timeout, d.shutdown_script_timeout], [20, 1000]);
  assert.deepEqual(diags(loadGlobal('startup_script /a', 'startup_script /b', 'startup_script_timeout 0', 'shutdown_script')), [
    '3 error startup script already specified',
    "4 error startup_script_timeout: number '0' outside range [1, 1000]",
    '5 error shutdown_script: missing script',
  ]);
});

test('notify FIFOs and their scripts', () => {
  const d = g('notify_fifo /run/ka.fifo', 'notify_fifo_script /bin/fifo.sh', 'vrrp_notify_fifo /run/vrrp.fifo user1 grp1', 'lvs_notify_fifo_script "/bin/l.sh -v"');
  assert.equal(d.notify_fifo?.name, '/run/ka.fifo');
  assert.deepEqual(d.notify_fifo?.script?.args, ['/bin/fifo.sh']);
  assert.deepEqual([d.vrrp_notify_fifo?.name, d.vrrp_notify_fifo?.user, d.vrrp_notify_fifo?.group], ['/run/vrrp.fifo', 'user1', 'grp1']);
  assert.equal(d.lvs_notify_fifo?.name, undefined);
  assert.deepEqual(d.lvs_notify_fifo?.script?.args, ['/bin/l.sh', '-v']);
  assert.deepEqual(diags(loadGlobal('notify_fifo', 'notify_fifo /a', 'notify_fifo /b', 'vrrp_notify_fifo_script /x', 'vrrp_notify_fifo_script /y')), [
    '2 error No notify_fifo name specified',
    '4 error notify_fifo already specified - ignoring /b',
    '6 error vrrp_notify_fifo_script already specified - ignoring /y',
  ]);
});

test('script_user and enable_script_security', () => {
  assert.deepEqual(g('script_user keepalived_script').script_user, { user: 'keepalived_script' });
  assert.deepEqual(g('script_user nobody nogroup').script_user, { user: 'nobody', group: 'nogroup' });
  assert.deepEqual(g('script_user nobody:nogroup').script_user, { user: 'nobody', group: 'nogroup' });
  assert.equal(g('enable_script_security').enable_script_security, true);
  assert.deepEqual(diags(loadGlobal('script_user')), ['2 error No script username specified']);
});
