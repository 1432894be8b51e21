import { readdirSync, readFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100;

/** CPU time (user + system, ms) a process has used so far; 0 when it is gone or /proc is not there. */
export function processCpuMs(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

/** `pid` and every process it started, and theirs (a cluster primary's API and worker processes). */
export function processTree(pid: number): number[] {
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) {
    try {
      for (const task of readdirSync(`/proc/${tree[i]}/task`)) {
        const children = readFileSync(`/proc/${tree[i]}/task/${task}/children`, 'utf8').trim();
        if (children) tree.push(...children.split(' ').map(Number));
      }
    } catch {
      // gone meanwhile
    }
  }
  return tree;
}

/** The Postgres backends serving `database` on this host (their titles name it). */
export function postgresBackends(database: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const title = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (title.startsWith('postgres:') && title.includes(` ${database} `)) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

/** Who is measured: the server process under load and the database whose backends serve it. */
export const cpuTarget: { pid?: number; database?: string } = {};

/**
 * Starts counting the CPU of `cpuTarget`'s process with every process under it (with `--instances`
 * or `--workers`, the cluster's API and worker processes: the whole gateway, as with workers in
 * process) and of its database's Postgres backends; the answer's `perRequest(n)` is microseconds of
 * each per request. On a machine shared with other work this holds far better than req/s. Processes
 * that exit meanwhile take their CPU with them (pools keep theirs).
 */
export function startCpuCount(): { perRequest(requests: number): { server: number; postgres: number } | undefined } {
  const { pid, database } = cpuTarget;
  const server0 = new Map((pid ? processTree(pid) : []).map((p) => [p, processCpuMs(p)]));
  const pg0 = new Map((database ? postgresBackends(database) : []).map((p) => [p, processCpuMs(p)]));
  return {
    perRequest(requests) {
      if (!pid || !database || !requests) return undefined;
      const pgUsed = postgresBackends(database).reduce((s, p) => s + processCpuMs(p) - (pg0.get(p) ?? 0), 0);
      const serverUsed = processTree(pid).reduce((s, p) => s + processCpuMs(p) - (server0.get(p) ?? 0), 0);
      return { server: Math.round((serverUsed * 1000) / requests), postgres: Math.round((pgUsed * 1000) / requests) };
    },
  };
}
