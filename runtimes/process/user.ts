/** Maps a spec's `user` (name, uid, `uid:gid` or `name:group`) to numeric ids via /etc/passwd and /etc/group. */
import { readFileSync } from 'node:fs';
import { permissionDenied, userUnknown } from './errors.js';

export interface UserIds {
  uid: number;
  gid: number;
  home?: string;
  name?: string;
}

/** Parses passwd-format text into name -> ids (pure). */
export function parsePasswd(text: string): Map<string, UserIds> {
  const users = new Map<string, UserIds>();
  for (const line of text.split('\n')) {
    const f = line.split(':');
    if (f.length < 7 || f[0] === undefined || f[0].startsWith('#')) continue;
    const uid = Number(f[2]);
    const gid = Number(f[3]);
    if (Number.isInteger(uid) && Number.isInteger(gid)) users.set(f[0], { uid, gid, name: f[0], ...(f[5] ? { home: f[5] } : {}) });
  }
  return users;
}

export function parseGroups(text: string): Map<string, number> {
  const groups = new Map<string, number>();
  for (const line of text.split('\n')) {
    const f = line.split(':');
    if (f.length < 3 || f[0] === undefined) continue;
    const gid = Number(f[2]);
    if (Number.isInteger(gid)) groups.set(f[0], gid);
  }
  return groups;
}

function readOr(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

export interface UserFiles {
  passwd: string;
  group: string;
}

export function lookupUser(id: string, user: string, files: UserFiles = { passwd: readOr('/etc/passwd'), group: readOr('/etc/group') }): UserIds {
  const [userPart = '', groupPart] = user.split(':');
  const users = parsePasswd(files.passwd);
  let ids: UserIds | undefined;
  if (/^\d+$/.test(userPart)) {
    const uid = Number(userPart);
    ids = [...users.values()].find((u) => u.uid === uid) ?? { uid, gid: uid };
  } else {
    ids = users.get(userPart);
  }
  if (!ids) throw userUnknown(id, user);
  if (groupPart !== undefined && groupPart !== '') {
    const gid = /^\d+$/.test(groupPart) ? Number(groupPart) : parseGroups(files.group).get(groupPart);
    if (gid === undefined) throw userUnknown(id, user);
    ids = { ...ids, gid };
  }
  return ids;
}

/** Spawn options for running as `ids`; only root may switch users. */
export function checkCanSwitch(id: string, ids: UserIds, currentUid: number): void {
  if (currentUid !== 0 && ids.uid !== currentUid) {
    throw permissionDenied(id, `the agent runs as uid ${currentUid} and cannot start processes as uid ${ids.uid}`);
  }
}
