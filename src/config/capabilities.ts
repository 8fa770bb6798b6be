/**
 * A check of the Security stanza's `capabilities` value against the text form cap_from_text(3) accepts:
 * whitespace-separated clauses, each an optional comma-separated list of capability names (or `all`) followed
 * by one or more operator-and-flags actions, e.g. `cap_net_bind_service+ep`, `cap_net_admin,cap_net_raw=ep`,
 * `=ep`, `all+ep cap_sys_admin-e`.
 */

/** Linux capability names (without the `cap_` prefix), as in linux/capability.h up to 6.x. */
export const LINUX_CAPABILITIES: ReadonlySet<string> = new Set([
  'chown', 'dac_override', 'dac_read_search', 'fowner', 'fsetid', 'kill', 'setgid', 'setuid', 'setpcap',
  'linux_immutable', 'net_bind_service', 'net_broadcast', 'net_admin', 'net_raw', 'ipc_lock', 'ipc_owner',
  'sys_module', 'sys_rawio', 'sys_chroot', 'sys_ptrace', 'sys_pacct', 'sys_admin', 'sys_boot', 'sys_nice',
  'sys_resource', 'sys_time', 'sys_tty_config', 'mknod', 'lease', 'audit_write', 'audit_control', 'setfcap',
  'mac_override', 'mac_admin', 'syslog', 'wake_alarm', 'block_suspend', 'audit_read', 'perfmon', 'bpf',
  'checkpoint_restore',
]);

export interface CapabilityCheck {
  /** Why the text is not in cap_from_text form, when it is not. */
  syntaxError?: string;
  /** Names that are well-formed but not known capabilities, as written. */
  unknown: string[];
}

const ACTIONS = /^([=+-][eip]*)+$/i;

/** Check a capabilities value. Pure; never throws. */
export function checkCapabilities(text: string): CapabilityCheck {
  const unknown: string[] = [];
  const clauses = text.trim().split(/\s+/).filter((c) => c !== '');
  if (clauses.length === 0) return { syntaxError: 'the value is empty', unknown };
  for (const clause of clauses) {
    const op = clause.search(/[=+-]/);
    if (op < 0) return { syntaxError: `"${clause}" has no operator (=, + or -) and flags (e, i, p)`, unknown };
    const names = clause.slice(0, op);
    const actions = clause.slice(op);
    if (!ACTIONS.test(actions)) return { syntaxError: `"${actions}" in "${clause}" is not operators followed by flags e, i, p`, unknown };
    // An empty list means "all capabilities"; cap_from_text accepts it only with '='.
    if (names === '') {
      if (!actions.startsWith('=')) return { syntaxError: `"${clause}" names no capability`, unknown };
      continue;
    }
    for (const name of names.split(',')) {
      if (name === '') return { syntaxError: `"${clause}" has an empty capability name`, unknown };
      const n = name.toLowerCase();
      if (n === 'all' || /^\d+$/.test(n)) continue;
      if (!n.startsWith('cap_') || !LINUX_CAPABILITIES.has(n.slice(4))) unknown.push(name);
    }
  }
  return { unknown };
}
