import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { adopt, killAdopted } from '../support/children';

/** 'gone' when the process no longer runs (a zombie waiting for a parent that does not reap counts). */
function runningState(pid: number): string {
  try {
    const state = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1][0];
    return state === 'Z' ? 'gone' : `running (${state})`;
  } catch {
    return 'gone';
  }
}

describe('test/support/children: what a test file leaves running is killed', () => {
  it('kills a registered child and, for a group leader, the grandchild it started', async () => {
    // A `sh` that starts a `sleep` of its own, like a gateway starting its embedded redis-server.
    const leader = adopt(spawn('sh', ['-c', 'sleep 60 & echo $!; wait'], { detached: true, stdio: ['ignore', 'pipe', 'ignore'] }), { group: true });
    const grandchild = Number(await new Promise<string>((ok) => leader.stdout!.once('data', (d) => ok(String(d).trim()))));
    const alone = adopt(spawn('sleep', ['60'], { stdio: 'ignore' }));
    const exits = [leader, alone].map((c) => new Promise((ok) => c.once('exit', (_code, signal) => ok(signal))));

    killAdopted();

    expect(await Promise.all(exits)).toEqual(['SIGKILL', 'SIGKILL']);
    await new Promise((r) => setTimeout(r, 100));
    expect(runningState(grandchild)).toBe('gone');
  });
});
