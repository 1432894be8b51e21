import { isWithinWindow } from './sp-signature.guard';

describe('X-Timestamp window', () => {
  const now = 1_764_000_000_000;
  const window = 300_000;

  it('accepts a timestamp exactly 300 s old or ahead (the edge is inside)', () => {
    expect(isWithinWindow(now - window, now, window)).toBe(true);
    expect(isWithinWindow(now + window, now, window)).toBe(true);
  });

  it('refuses one millisecond past the edge, either side', () => {
    expect(isWithinWindow(now - window - 1, now, window)).toBe(false);
    expect(isWithinWindow(now + window + 1, now, window)).toBe(false);
  });
});
