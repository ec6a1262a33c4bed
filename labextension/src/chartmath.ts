/**
 * Scales and ticks for the small SVG charts (no chart library: these few
 * functions are all the charts need).
 */

export interface IExtent {
  min: number;
  max: number;
}

/** Smallest and largest finite value; a single value is widened so the scale has a span. */
export function extent(values: number[]): IExtent | null {
  let min = Infinity;
  let max = -Infinity;
  for (const value of values) {
    if (isFinite(value)) {
      min = Math.min(min, value);
      max = Math.max(max, value);
    }
  }
  if (min === Infinity) {
    return null;
  }
  if (min === max) {
    const pad = min === 0 ? 1 : Math.abs(min) * 0.1;
    return { min: min - pad, max: max + pad };
  }
  return { min, max };
}

/** About `count` round tick values covering the extent (1, 2 or 5 times a power of ten apart). */
export function niceTicks(range: IExtent, count = 5): number[] {
  const span = range.max - range.min;
  if (!(span > 0) || !isFinite(span)) {
    return [range.min];
  }
  const raw = span / Math.max(1, count);
  const power = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 5, 10].map(f => f * power).find(s => s >= raw) ?? 10 * power;
  const first = Math.ceil(range.min / step) * step;
  const ticks: number[] = [];
  for (let value = first; value <= range.max + step * 1e-9; value += step) {
    // rounding keeps 0.30000000000000004 out of the labels
    ticks.push(Number(value.toPrecision(12)));
  }
  return ticks;
}

/** Powers of ten inside a positive extent, for a log axis. */
export function logTicks(range: IExtent): number[] {
  const ticks: number[] = [];
  const low = Math.floor(Math.log10(range.min));
  const high = Math.ceil(Math.log10(range.max));
  for (let exp = low; exp <= high; exp++) {
    const value = Math.pow(10, exp);
    if (value >= range.min * 0.999 && value <= range.max * 1.001) {
      ticks.push(value);
    }
  }
  return ticks.length ? ticks : [range.min, range.max];
}

export type Scale = (value: number) => number;

/** Maps the domain onto [from, to] pixels (to < from for a y axis growing upwards). */
export function linearScale(domain: IExtent, from: number, to: number): Scale {
  const span = domain.max - domain.min || 1;
  return value => from + ((value - domain.min) / span) * (to - from);
}

export function logScale(domain: IExtent, from: number, to: number): Scale {
  const low = Math.log10(domain.min);
  const span = Math.log10(domain.max) - low || 1;
  return value => from + ((Math.log10(value) - low) / span) * (to - from);
}

/** An SVG path through the points in order ("M x y L x y ..."). */
export function linePath(points: { x: number; y: number }[]): string {
  return points
    .map((p, i) => `${i === 0 ? 'M' : 'L'}${p.x.toFixed(1)} ${p.y.toFixed(1)}`)
    .join(' ');
}

/** Pads an extent by a fraction of its span on both sides (points off the frame). */
export function padExtent(range: IExtent, fraction = 0.05): IExtent {
  const pad = (range.max - range.min) * fraction;
  return { min: range.min - pad, max: range.max + pad };
}
