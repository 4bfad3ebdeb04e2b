/**
 * The generated keepalived.conf of the configuration benchmarks (bench/config.ts, and -t in
 * bench/vrrp-load.ts): about `targetLines` lines of vrrp_script, vrrp_instance and virtual_server
 * blocks, every instance on `iface` so that keepalived -t's interface checks pass.
 */

export function generate(targetLines: number, iface: string): string {
  const out: string[] = ['global_defs {', '  router_id bench', '  script_user root', '  enable_script_security', '}', ''];
  const scripts = 50;
  for (let s = 0; s < scripts; s++) {
    out.push(`vrrp_script chk_${s} {`, '  script "/bin/true"', '  interval 2', '  weight -20', '  fall 2', '  rise 2', '}', '');
  }
  // Roughly 40% of the lines in VRRP, 60% in LVS.
  let i = 0;
  while (out.length < targetLines * 0.4) {
    const vrid = (i % 255) + 1;
    const net = `${10 + Math.floor(i / 65536)}.${Math.floor(i / 256) % 256}.${i % 256}`;
    out.push(
      `vrrp_instance VI_${i} {`,
      '  state BACKUP',
      `  interface ${iface}`,
      `  virtual_router_id ${vrid}`,
      // A multicast group per 255 instances: no two instances share a VRID on one group.
      `  mcast_dst_ip 239.1.${Math.floor(i / 255) % 256}.1`,
      `  priority ${100 + (i % 100)}`,
      '  advert_int 1',
      '  authentication {',
      '    auth_type PASS',
      `    auth_pass p${i % 10000}`,
      '  }',
      '  virtual_ipaddress {',
      `    ${net}.1/24`,
      `    ${net}.2/24`,
      `    ${net}.3/24 label ${iface}:${i % 1000}`,
      '  }',
      '  track_script {',
      `    chk_${i % scripts}`,
      '  }',
      '}',
      '',
    );
    i++;
  }
  let v = 0;
  while (out.length < targetLines) {
    const vip = `172.${16 + Math.floor(v / 65536)}.${Math.floor(v / 256) % 256}.${v % 256}`;
    out.push(`virtual_server ${vip} ${v % 2 === 0 ? 80 : 443} {`, '  delay_loop 6', '  lb_algo rr', '  lb_kind NAT', '  protocol TCP', '');
    for (let r = 1; r <= 4; r++) {
      const rip = `192.168.${v % 256}.${r}`;
      out.push(`  real_server ${rip} 8080 {`, '    weight 1');
      if (r % 2 === 0) {
        out.push('    TCP_CHECK {', '      connect_timeout 3', '      connect_port 8080', '    }');
      } else {
        out.push('    HTTP_GET {', '      url {', '        path /health', '        status_code 200', '      }', '      connect_timeout 3', '    }');
      }
      out.push('  }');
    }
    out.push('}', '');
    v++;
  }
  return out.join('\n');
}
