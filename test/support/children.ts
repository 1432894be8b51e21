import type { ChildProcess } from 'node:child_process';

/**
 * The child processes a test file started (gateways, workers, redis-servers, fake providers).
 * A failing test or a timed-out hook can skip its own cleanup; the file's end then kills what is
 * left (test/support/jest-setup.ts), so no gateway or redis-server outlives its file and holds a
 * port or a database the next file needs.
 */
const living = new Map<ChildProcess, { group: boolean }>();

/** Registers `child`; `group` when it leads its own process group (`detached`), whose members go too. */
export function adopt<T extends ChildProcess>(child: T, { group = false } = {}): T {
  living.set(child, { group });
  child.once('exit', () => living.delete(child));
  return child;
}

/** SIGKILLs every registered child still running (its whole group when it leads one). */
export function killAdopted(): void {
  for (const [child, { group }] of living) {
    try {
      if (group && child.pid) process.kill(-child.pid, 'SIGKILL');
      else child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
  living.clear();
}
