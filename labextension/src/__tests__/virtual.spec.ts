/** Window math of the virtualized runs list. */
import { scrollToRow, visibleWindow } from '../virtual';

describe('visibleWindow', () => {
  it('renders a screenful plus overscan out of 10,000 rows', () => {
    const w = visibleWindow(10_000, 28, 0, 560, 8);
    expect(w.start).toBe(0);
    expect(w.end).toBe(29); // 20 visible + 1 partial + 8 overscan
    expect(w.total).toBe(280_000);
    expect(w.offset).toBe(0);
  });

  it('follows the scroll position with overscan on both sides', () => {
    const w = visibleWindow(10_000, 28, 28 * 5000, 560, 8);
    expect(w.start).toBe(4992);
    expect(w.end).toBe(5029);
    expect(w.offset).toBe(4992 * 28);
  });

  it('clamps past the end (a list that just shrank)', () => {
    const w = visibleWindow(10, 28, 99_999, 560, 8);
    expect(w.end).toBe(10);
    expect(w.start).toBe(0);
  });

  it('is empty for no rows', () => {
    expect(visibleWindow(0, 28, 0, 500)).toEqual({ start: 0, end: 0, offset: 0, total: 0 });
  });
});

describe('scrollToRow', () => {
  it('scrolls up or down just enough to show a row', () => {
    expect(scrollToRow(2, 28, 280, 280)).toBe(56);
    expect(scrollToRow(30, 28, 0, 280)).toBe(31 * 28 - 280);
    expect(scrollToRow(5, 28, 0, 280)).toBe(0);
  });
});
