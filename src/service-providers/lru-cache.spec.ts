import { LruCache } from './lru-cache';

describe('LruCache', () => {
  it('never holds more than its cap, evicting the least recently used', () => {
    const cache = new LruCache<string, number>(3, 60_000);
    for (const k of ['a', 'b', 'c']) cache.set(k, 1);
    cache.get('a'); // a is now the most recently used
    cache.set('d', 1);
    expect(cache.get('b')).toBeUndefined();
    expect([cache.get('a'), cache.get('c'), cache.get('d')]).toEqual([1, 1, 1]);
    for (let i = 0; i < 200_000; i++) cache.set(`miss-${i}`, 0);
    expect(cache.size).toBe(3);
  });

  it('forgets expired entries on read and on sweep', () => {
    let now = 0;
    const cache = new LruCache<string, string | null>(100, 1000, () => now);
    cache.set('sp', 'profile');
    for (let i = 0; i < 50; i++) cache.set(`unknown-${i}`, null);
    now = 999;
    expect(cache.get('sp')).toBe('profile');
    now = 1000;
    expect(cache.get('sp')).toBeUndefined();
    expect(cache.size).toBe(50);
    cache.sweep();
    expect(cache.size).toBe(0);
  });
});
