/**
 * The sweep view's two charts, plain SVG in theme colours like the others:
 * the objective over time (one line per trial, the best one drawn on top and
 * thicker) and the parallel-coordinates chart (one axis per searched
 * parameter, the objective last, one line per trial).
 */
import * as React from 'react';

import { extent, linearScale, linePath, niceTicks, padExtent } from './chartmath';
import { formatMetric, formatValue } from './format';
import { IAxis, IParallelLine, ISeries } from './sweepview';
import { trans } from './i18n';

const MARGIN = { top: 14, right: 16, bottom: 34, left: 56 };

/** The objective's values by interval, one line per trial; hovering a line names its trial. */
export function ObjectiveChart(props: { series: ISeries[]; metric: string; width?: number; height?: number }): JSX.Element {
  const width = props.width ?? 560;
  const height = props.height ?? 220;
  const all = props.series.flatMap(s => s.points);
  const xs = extent(all.map(p => p.x));
  const ys = extent(all.map(p => p.y));
  if (!xs || !ys) {
    return <div className="amlx-Empty">{trans.__('No trial has logged %1 yet.', props.metric)}</div>;
  }
  const yDomain = padExtent(ys);
  const x = linearScale(xs, MARGIN.left, width - MARGIN.right);
  const y = linearScale(yDomain, height - MARGIN.bottom, MARGIN.top);
  const bottom = height - MARGIN.bottom;
  const ordered = [...props.series].sort((a, b) => Number(a.best) - Number(b.best)); // the best on top
  return (
    <svg
      className="amlx-Chart amlx-ObjectiveChart"
      width={width}
      height={height}
      role="img"
      aria-label={trans._n('%2 over time, %1 trial', '%2 over time, %1 trials', props.series.length, props.metric)}
    >
      <title>{trans.__('%1 by interval, one line per trial', props.metric)}</title>
      {niceTicks(yDomain, 4).map(v => (
        <g key={`y${v}`}>
          <line className="amlx-Chart-grid" x1={MARGIN.left} x2={width - MARGIN.right} y1={y(v)} y2={y(v)} />
          <text className="amlx-Chart-tick" x={MARGIN.left - 6} y={y(v)} textAnchor="end" dominantBaseline="middle">
            {formatMetric(v)}
          </text>
        </g>
      ))}
      {niceTicks(xs, 5)
        .filter(v => Number.isInteger(v))
        .map(v => (
          <text key={`x${v}`} className="amlx-Chart-tick" x={x(v)} y={bottom + 14} textAnchor="middle">
            {v}
          </text>
        ))}
      <line className="amlx-Chart-axis" x1={MARGIN.left} x2={width - MARGIN.right} y1={bottom} y2={bottom} />
      <line className="amlx-Chart-axis" x1={MARGIN.left} x2={MARGIN.left} y1={MARGIN.top} y2={bottom} />
      <text className="amlx-Chart-label" x={(MARGIN.left + width - MARGIN.right) / 2} y={height - 4} textAnchor="middle">
        {trans.__('interval (logged value)')}
      </text>
      {ordered.map(s => {
        const pixels = s.points.map(p => ({ x: x(p.x), y: y(p.y) }));
        return (
          <g key={s.id} className={`amlx-Sweep-series ${s.best ? 'amlx-mod-best' : ''}`} data-run={s.id}>
            <title>{`${s.label}: ${formatMetric(s.points[s.points.length - 1].y)}`}</title>
            {pixels.length > 1 && <path className="amlx-Chart-line" d={linePath(pixels)} />}
            {pixels.map((p, i) => (
              <circle key={i} className="amlx-Chart-dot" cx={p.x} cy={p.y} r={s.best ? 3.5 : 2.5} />
            ))}
          </g>
        );
      })}
    </svg>
  );
}

function axisTicks(axis: IAxis): { label: string; at: number }[] {
  if (axis.kind === 'category') {
    return axis.categories.map((label, i) => ({
      label,
      at: axis.categories.length <= 1 ? 0.5 : i / (axis.categories.length - 1)
    }));
  }
  return [
    { label: formatValue(axis.min), at: 0 },
    { label: formatValue(axis.max), at: 1 }
  ];
}

/** One vertical axis per searched parameter and the objective last; a line per trial, the best one marked. */
export function ParallelCoordinates(props: {
  axes: IAxis[];
  lines: IParallelLine[];
  width?: number;
  height?: number;
  onPick?: (id: string) => void;
}): JSX.Element {
  const width = props.width ?? 560;
  const height = props.height ?? 240;
  if (!props.lines.length) {
    return <div className="amlx-Empty">{trans.__('The chart appears once trials have logged the objective.')}</div>;
  }
  const top = 22;
  const bottom = height - 26;
  const left = 60;
  const right = width - 60;
  const step = props.axes.length > 1 ? (right - left) / (props.axes.length - 1) : 0;
  const ax = (i: number) => (props.axes.length > 1 ? left + i * step : (left + right) / 2);
  const ay = (position: number) => bottom - position * (bottom - top);
  const ordered = [...props.lines].sort((a, b) => Number(a.best) - Number(b.best));
  return (
    <svg
      className="amlx-Chart amlx-Parallel"
      width={width}
      height={height}
      role="img"
      aria-label={trans._n(
        'Parallel coordinates: %2; %1 trial',
        'Parallel coordinates: %2; %1 trials',
        props.lines.length,
        props.axes.map(a => a.name).join(', ')
      )}
    >
      <title>{trans.__('%1, one line per trial', props.axes.map(a => a.name).join(' / '))}</title>
      {ordered.map(line => (
        <path
          key={line.id}
          className={`amlx-Parallel-line ${line.best ? 'amlx-mod-best' : ''}`}
          data-run={line.id}
          d={linePath(line.positions.map((p, i) => ({ x: ax(i), y: ay(p) })))}
          onClick={() => props.onPick?.(line.id)}
        >
          <title>{line.label}</title>
        </path>
      ))}
      {props.axes.map((axis, i) => (
        <g key={axis.name} className={`amlx-Parallel-axis ${axis.objective ? 'amlx-mod-objective' : ''}`} data-axis={axis.name}>
          <line className="amlx-Chart-axis" x1={ax(i)} x2={ax(i)} y1={top} y2={bottom} />
          <text className="amlx-Chart-label" x={ax(i)} y={12} textAnchor="middle">
            {axis.log ? trans.__('%1 (log)', axis.name) : axis.name}
          </text>
          {axisTicks(axis).map(tick => (
            <text key={tick.label + tick.at} className="amlx-Chart-tick" x={ax(i) + 5} y={ay(tick.at)} dominantBaseline="middle">
              {tick.label}
            </text>
          ))}
        </g>
      ))}
    </svg>
  );
}
