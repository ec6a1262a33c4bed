/**
 * Two small SVG charts drawn with theme colours: a metric's history (line)
 * and one metric across runs against a parameter (scatter, best run marked).
 */
import * as React from 'react';

import {
  extent,
  linearScale,
  linePath,
  logScale,
  logTicks,
  niceTicks,
  padExtent
} from './chartmath';
import { formatMetric } from './format';
import { trans } from './i18n';

const MARGIN = { top: 12, right: 14, bottom: 34, left: 56 };

interface IPoint {
  x: number;
  y: number;
}

function Axes(props: {
  width: number;
  height: number;
  xTicks: { value: number; px: number }[];
  yTicks: { value: number; px: number }[];
  xLabel: string;
  yLabel: string;
}): JSX.Element {
  const { width, height } = props;
  const bottom = height - MARGIN.bottom;
  return (
    <g className="amlx-Chart-axes">
      {props.yTicks.map(tick => (
        <g key={`y${tick.value}`}>
          <line className="amlx-Chart-grid" x1={MARGIN.left} x2={width - MARGIN.right} y1={tick.px} y2={tick.px} />
          <text className="amlx-Chart-tick" x={MARGIN.left - 6} y={tick.px} textAnchor="end" dominantBaseline="middle">
            {formatMetric(tick.value)}
          </text>
        </g>
      ))}
      {props.xTicks.map(tick => (
        <text key={`x${tick.value}`} className="amlx-Chart-tick" x={tick.px} y={bottom + 14} textAnchor="middle">
          {formatMetric(tick.value)}
        </text>
      ))}
      <line className="amlx-Chart-axis" x1={MARGIN.left} x2={width - MARGIN.right} y1={bottom} y2={bottom} />
      <line className="amlx-Chart-axis" x1={MARGIN.left} x2={MARGIN.left} y1={MARGIN.top} y2={bottom} />
      <text className="amlx-Chart-label" x={(MARGIN.left + width - MARGIN.right) / 2} y={height - 4} textAnchor="middle">
        {props.xLabel}
      </text>
      <text
        className="amlx-Chart-label"
        transform={`translate(12 ${(MARGIN.top + bottom) / 2}) rotate(-90)`}
        textAnchor="middle"
      >
        {props.yLabel}
      </text>
    </g>
  );
}

/** A metric's values by step. */
export function LineChart(props: {
  points: IPoint[];
  xLabel: string;
  yLabel: string;
  width?: number;
  height?: number;
  title: string;
}): JSX.Element {
  const width = props.width ?? 320;
  const height = props.height ?? 170;
  const xs = extent(props.points.map(p => p.x));
  const ys = extent(props.points.map(p => p.y));
  if (!xs || !ys) {
    return <div className="amlx-Empty">{trans.__('No values.')}</div>;
  }
  const yDomain = padExtent(ys);
  const x = linearScale(xs, MARGIN.left, width - MARGIN.right);
  const y = linearScale(yDomain, height - MARGIN.bottom, MARGIN.top);
  const pixels = props.points.map(p => ({ x: x(p.x), y: y(p.y) }));
  return (
    <svg className="amlx-Chart" width={width} height={height} role="img" aria-label={props.title}>
      <title>{props.title}</title>
      <Axes
        width={width}
        height={height}
        xTicks={niceTicks(xs, 4).map(v => ({ value: v, px: x(v) }))}
        yTicks={niceTicks(yDomain, 4).map(v => ({ value: v, px: y(v) }))}
        xLabel={props.xLabel}
        yLabel={props.yLabel}
      />
      <path className="amlx-Chart-line" d={linePath(pixels)} />
      {pixels.length <= 60 &&
        pixels.map((p, i) => <circle key={i} className="amlx-Chart-dot" cx={p.x} cy={p.y} r={2.5} />)}
    </svg>
  );
}

/** Several runs' histories of one metric by step, on one pair of axes (a colour per run, named in the legend). */
export function MultiLineChart(props: {
  series: { label: string; points: IPoint[] }[];
  xLabel: string;
  yLabel: string;
  title: string;
  width?: number;
  height?: number;
}): JSX.Element {
  const width = props.width ?? 360;
  const height = props.height ?? 190;
  const all = props.series.flatMap(s => s.points);
  const xs = extent(all.map(p => p.x));
  const ys = extent(all.map(p => p.y));
  if (!xs || !ys) {
    return <div className="amlx-Empty">{trans.__('No values.')}</div>;
  }
  const yDomain = padExtent(ys);
  const x = linearScale(xs, MARGIN.left, width - MARGIN.right);
  const y = linearScale(yDomain, height - MARGIN.bottom, MARGIN.top);
  return (
    <figure className="amlx-MultiLine">
      <svg className="amlx-Chart" width={width} height={height} role="img" aria-label={props.title}>
        <title>{props.title}</title>
        <Axes
          width={width}
          height={height}
          xTicks={niceTicks(xs, 4).map(v => ({ value: v, px: x(v) }))}
          yTicks={niceTicks(yDomain, 4).map(v => ({ value: v, px: y(v) }))}
          xLabel={props.xLabel}
          yLabel={props.yLabel}
        />
        {props.series.map((s, i) => (
          <g key={s.label} data-series={s.label}>
            <path
              className={`amlx-Chart-line amlx-Series-${i % 6}`}
              d={linePath(s.points.map(p => ({ x: x(p.x), y: y(p.y) })))}
            />
            {s.points.length <= 60 &&
              s.points.map((p, k) => (
                <circle key={k} className={`amlx-Chart-dot amlx-Series-${i % 6}`} cx={x(p.x)} cy={y(p.y)} r={3} />
              ))}
          </g>
        ))}
      </svg>
      <figcaption className="amlx-Legend">
        {props.series.map((s, i) => (
          <span key={s.label} className={`amlx-Legend-item amlx-Series-${i % 6}`}>
            {s.label}
          </span>
        ))}
      </figcaption>
    </figure>
  );
}

export interface IScatterPoint extends IPoint {
  id: string;
  label: string;
}

/** One point per run; the best one is ringed and labelled. */
export function ScatterChart(props: {
  points: IScatterPoint[];
  bestId: string | null;
  xLabel: string;
  yLabel: string;
  logX: boolean;
  width?: number;
  height?: number;
  onPick?: (id: string) => void;
}): JSX.Element {
  const width = props.width ?? 640;
  const height = props.height ?? 360;
  const xs = extent(props.points.map(p => p.x));
  const ys = extent(props.points.map(p => p.y));
  if (!xs || !ys) {
    return <div className="amlx-Empty">{trans.__('No runs have both values.')}</div>;
  }
  const useLog = props.logX && xs.min > 0;
  const xDomain = useLog ? { min: xs.min / 1.25, max: xs.max * 1.25 } : padExtent(xs);
  const yDomain = padExtent(ys, 0.08);
  const x = (useLog ? logScale : linearScale)(xDomain, MARGIN.left, width - MARGIN.right);
  const y = linearScale(yDomain, height - MARGIN.bottom, MARGIN.top);
  const xTickValues = useLog ? logTicks(xDomain) : niceTicks(xDomain, 6);
  const best = props.points.find(p => p.id === props.bestId) ?? null;
  return (
    <svg
      className="amlx-Chart amlx-Scatter"
      width={width}
      height={height}
      role="img"
      aria-label={trans._n(
        '%2 against %3, %1 run',
        '%2 against %3, %1 runs',
        props.points.length,
        props.yLabel,
        props.xLabel
      )}
    >
      <title>{trans.__('%1 against %2', props.yLabel, props.xLabel)}</title>
      <Axes
        width={width}
        height={height}
        xTicks={xTickValues.map(v => ({ value: v, px: x(v) }))}
        yTicks={niceTicks(yDomain, 5).map(v => ({ value: v, px: y(v) }))}
        xLabel={useLog ? trans.__('%1 (log)', props.xLabel) : props.xLabel}
        yLabel={props.yLabel}
      />
      {props.points.map(p => (
        <circle
          key={p.id}
          className={`amlx-Scatter-point ${p.id === props.bestId ? 'amlx-mod-best' : ''}`}
          data-run={p.id}
          cx={x(p.x)}
          cy={y(p.y)}
          r={p.id === props.bestId ? 6 : 4.5}
          onClick={() => props.onPick?.(p.id)}
        >
          <title>
            {trans.__('%1: %2 %3, %4 %5', p.label, props.xLabel, formatMetric(p.x), props.yLabel, formatMetric(p.y))}
          </title>
        </circle>
      ))}
      {best && (
        <g className="amlx-Scatter-best" data-run={best.id}>
          <circle className="amlx-Scatter-ring" cx={x(best.x)} cy={y(best.y)} r={11} />
          <text
            className="amlx-Scatter-bestLabel"
            x={x(best.x) + (x(best.x) > width * 0.7 ? -14 : 14)}
            y={y(best.y) - 10}
            textAnchor={x(best.x) > width * 0.7 ? 'end' : 'start'}
          >
            {trans.__('best: %1', formatMetric(best.y))}

          </text>
        </g>
      )}
    </svg>
  );
}
