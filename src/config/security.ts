import type { IdRef } from '../types.js';
import type { UserDb } from '../io/users.js';
import { sourceOf, type Pos } from './ast.js';
import { checkCapabilities } from './capabilities.js';
import { descendants, type MergedScope, type Setting } from './merge.js';
import { errorAt } from './source.js';
import type { SecurityModel } from './types.js';
import { invalid, itemsOf, scalarOf, sourceOfSetting, type Ctx } from './values.js';

/** Ids are below 2^32 - 1, which chown(2) reads as "leave unchanged". */
const MAX_ID = 4294967295;

/** The most `supplemental_groups` the reader resolves (each one a name-service lookup). */
export const MAX_SUPPLEMENTAL_GROUPS = 256;

/** Momentum's documented default for both `user` and `group` (4/config/ref-user). */
export const DEFAULT_USER = 'ecuser';
export const DEFAULT_GROUP = 'ecuser';

type Kind = 'user' | 'group';

interface Named {
  text: string;
  pos: Pos;
  /** Where the Security stanza holding it starts. */
  stanza: Pos | null;
  source: string;
}

/**
 * Resolve a user or group written as a name or a numeric id. A numeric id with no entry is accepted with a
 * warning (the files may simply not list it); a name with no entry is MP105/MP106, since nothing the tool
 * derives from it could be right.
 */
function resolve(kind: Kind, n: Named, users: UserDb, ctx: Ctx): IdRef {
  const db = kind === 'user' ? 'passwd' : 'group';
  if (n.text === '') throw invalid(ctx, `${kind} must name a ${kind} or a numeric id, not an empty value`, n.pos);
  if (/^\d+$/.test(n.text)) {
    const id = Number(n.text);
    // (uid_t)-1 means "leave unchanged" to chown(2): `user = "4294967295"` would make every ownership fix a
    // half-fix that reports the wrong owner; larger numbers are no id at all.
    if (!(id < MAX_ID)) throw invalid(ctx, `${kind} id ${n.text} is out of range (ids are below ${MAX_ID})`, n.pos);
    const entry = kind === 'user' ? users.userById(id) : users.groupById(id);
    if (entry) return { name: entry.name, id, source: n.source };
    ctx.warnings.push({ code: 'unknown-id', message: `${kind} id ${id} has no ${db} entry in ${users.describe}`, source: n.source });
    return { name: n.text, id, source: n.source };
  }
  const id = kind === 'user' ? users.userByName(n.text)?.uid : users.groupByName(n.text)?.gid;
  if (id !== undefined) return { name: n.text, id, source: n.source };
  const code = kind === 'user' ? 'MP105' : 'MP106';
  const where = n.stanza ? `the Security stanza at ${sourceOf(n.stanza)}` : 'the configuration';
  throw errorAt(code, `${where} names ${kind} ${n.text}, which has no ${db} entry in ${users.describe}`, n.pos, ctx.texts.get(n.pos.file));
}

/** The built-in default, resolved; a missing entry is only a warning because no file of the site named it. */
function fallback(kind: Kind, name: string, users: UserDb, ctx: Ctx): IdRef {
  const id = kind === 'user' ? users.userByName(name)?.uid : users.groupByName(name)?.gid;
  if (id !== undefined) return { name, id, source: 'default' };
  const db = kind === 'user' ? 'passwd' : 'group';
  ctx.warnings.push({ code: 'unknown-default', message: `the default ${kind} ${name} has no ${db} entry in ${users.describe}`, source: 'default' });
  return { name, id: null, source: 'default' };
}

function named(ctx: Ctx, s: Setting): Named {
  return { text: scalarOf(ctx, s).trim(), pos: s.a.value.pos, stanza: s.stanza, source: sourceOfSetting(s) };
}

/**
 * The Security model: user, group, supplemental groups, chroot and capabilities from the global `Security`
 * stanzas (several are folded in reading order, later assignments winning), with ecuser/ecuser as defaults.
 */
export function securityModel(global: MergedScope, users: UserDb, ctx: Ctx): SecurityModel {
  const stanzas = global.children.filter((c) => c.key === 'security');
  if (stanzas.length === 0) {
    ctx.warnings.push({
      code: 'no-security-stanza',
      message: `no Security stanza: Momentum runs as the default user and group ${DEFAULT_USER}:${DEFAULT_GROUP}`,
      source: 'default',
    });
  }
  for (const s of descendants(global)) {
    if (s.key === 'security' && s.parent !== global && s.pos) {
      ctx.warnings.push({ code: 'security-not-global', message: 'a Security stanza is valid in the global scope only; this one is ignored', source: sourceOf(s.pos) });
    }
  }
  const pick = (opt: string): Setting | undefined => {
    let best: Setting | undefined;
    for (const st of stanzas) {
      const s = st.options.get(opt);
      if (s && (!best || s.seq > best.seq)) best = s;
    }
    return best;
  };

  const u = pick('user');
  const user = u ? resolve('user', named(ctx, u), users, ctx) : fallback('user', DEFAULT_USER, users, ctx);
  const g = pick('group');
  const group = g ? resolve('group', named(ctx, g), users, ctx) : fallback('group', DEFAULT_GROUP, users, ctx);
  if (user.id === 0) {
    ctx.warnings.push({
      code: 'user-is-root',
      message: 'Momentum runs as root: the docs discourage it (it breaks the dmllog.rt jlog), and nothing then separates the service from root',
      source: user.source,
    });
  }

  const sg = pick('supplemental_groups');
  const items = sg ? itemsOf(ctx, sg) : [];
  // Each group is one name-service lookup: a list of thousands (the configuration is the service account's)
  // would hold every run, package hooks included. Momentum's own examples name one or two.
  if (sg && items.length > MAX_SUPPLEMENTAL_GROUPS) {
    throw invalid(ctx, `supplemental_groups names ${items.length} groups; at most ${MAX_SUPPLEMENTAL_GROUPS} are read`, (items[MAX_SUPPLEMENTAL_GROUPS] ?? items[0])!.pos);
  }
  const supplementalGroups = sg
    ? items.map((it) => resolve('group', { text: it.text, pos: it.pos, stanza: sg.stanza, source: sourceOf(it.pos) }, users, ctx))
    : [];

  const c = pick('chroot');
  const chroot = c ? { value: scalarOf(ctx, c), source: sourceOfSetting(c) } : null;
  if (chroot) {
    ctx.warnings.push({
      code: 'chroot',
      message: `Momentum runs chrooted in ${chroot.value}; how paths resolve under chroot is not documented, so paths are reported as written`,
      source: chroot.source,
    });
  }

  const cap = pick('capabilities');
  const capabilities = cap ? { value: scalarOf(ctx, cap), source: sourceOfSetting(cap) } : null;
  if (capabilities) {
    const check = checkCapabilities(capabilities.value);
    if (check.syntaxError) {
      ctx.warnings.push({ code: 'invalid-capabilities', message: `capabilities is not in cap_from_text form: ${check.syntaxError}`, source: capabilities.source });
    }
    for (const name of check.unknown) {
      ctx.warnings.push({ code: 'unknown-capability', message: `capabilities names ${name}, which is not a Linux capability`, source: capabilities.source });
    }
  }
  return { user, group, supplementalGroups, chroot, capabilities };
}
