/**
 * The Runs section: filter, sort by any column or metric, metric columns the
 * person picks, runs grouped by experiment in a virtualized list (only the
 * visible rows are in the DOM, and only the runs near them are loaded from
 * the server, so 100,000 runs scroll like 10).
 */
import { Notification } from '@jupyterlab/apputils';
import { refreshIcon } from '@jupyterlab/ui-components';
import * as React from 'react';

import { IJob } from './apitypes';
import {
  ErrorNote,
  InteractiveBadge,
  Loading,
  StatusBadge,
  useNow,
  useSignal,
  useSize,
  withElements,
  PLACEHOLDERS
} from './components';
import { formatAgo, formatCount, formatDuration, formatMetric, isInteractive, jobDuration, runLabel } from './format';
import { asApiError } from './resource';
import { METRIC_PREFIX } from './runstore';
import { RunRow, autoColumnCount } from './runsview';
import { AmlxServices, CommandIDs } from './services';
import { scrollToRow, visibleWindow } from './virtual';
import { trans } from './i18n';

export const ROW_HEIGHT = 28;

/** With no run active, the list's clock (for "submitted 5 min ago") moves this often. */
const IDLE_TICK_MS = 15_000;

function fixedSorts(): { value: string; label: string }[] {
  return [
    { value: 'created_at', label: trans.__('Submitted') },
    { value: 'duration', label: trans.__('Duration') },
    { value: 'display_name', label: trans.__('Name') },
    { value: 'status', label: trans.__('Status') }
  ];
}

function SortArrow(props: { active: boolean; descending: boolean }): JSX.Element | null {
  if (!props.active) {
    return null;
  }
  return <span aria-hidden="true">{props.descending ? ' ▾' : ' ▴'}</span>;
}

function ColumnsChooser(props: { services: AmlxServices; shown: string[]; onClose: () => void }): JSX.Element {
  const { runs } = props.services;
  const keys = runs.metricKeys();
  const shown = new Set(props.shown);
  const toggle = (key: string) => {
    const next = new Set(shown);
    if (next.has(key)) {
      next.delete(key);
    } else {
      next.add(key);
    }
    // keep the order of the metric list so columns do not jump around
    props.services.setRunColumns(keys.filter(k => next.has(k)));
  };
  return (
    <div
      className="amlx-Columns"
      role="group"
      aria-label={trans.__('Metric columns')}
      onKeyDown={event => {
        if (event.key === 'Escape') {
          props.onClose();
        }
      }}
    >
      <div className="amlx-Columns-title">{trans.__('Metric columns')}</div>
      {keys.length === 0 && <div className="amlx-Empty">{trans.__('No run has logged metrics yet.')}</div>}
      <div className="amlx-Columns-list">
        {keys.map(key => (
          <label key={key} className="amlx-Columns-item">
            <input type="checkbox" checked={shown.has(key)} onChange={() => toggle(key)} />
            <span title={key}>{key}</span>
          </label>
        ))}
      </div>
      <div className="amlx-Columns-actions">
        <button className="jp-Button jp-mod-styled amlx-small" onClick={() => props.services.setRunColumns([])}>
          {trans.__('Automatic')}
        </button>
        <button className="jp-Button jp-mod-styled jp-mod-accept amlx-small" onClick={props.onClose}>
          {trans.__('Done')}
        </button>
      </div>
    </div>
  );
}

function Toolbar(props: { services: AmlxServices; columns: string[] }): JSX.Element {
  const { runsView, runs, feed } = props.services;
  const query = runsView.query;
  const [choosing, setChoosing] = React.useState(false);
  // a filter the server could not parse: its sentence (with the column) under the box, not a load failure
  const filterError = runsView.error?.details?.field === 'filter' ? runsView.error : null;
  const metricSorts = runs.metricKeys().map(key => ({ value: METRIC_PREFIX + key, label: key }));
  return (
    <>
      <div className="amlx-Runs-toolbar">
        <input
          className="amlx-Input amlx-Runs-filter"
          type="search"
          placeholder={trans.__('Filter runs')}
          aria-label={trans.__('Filter runs')}
          title={trans.__(
            'Words to find, or conditions as in MLflow: metrics.rmse < 58 and params.alpha >= 0.3 and tags.stage = "baseline"'
          )}
          value={query.filter}
          aria-invalid={filterError !== null}
          aria-describedby={filterError ? 'amlx-runs-filter-error' : undefined}
          onChange={event => runsView.setQuery({ filter: event.currentTarget.value })}
        />
        <button
          className="jp-Button jp-mod-minimal amlx-IconButton"
          aria-label={trans.__('Refresh runs')}
          title={trans.__('Refresh runs')}
          onClick={() => feed.refreshNow()}
        >
          <refreshIcon.react tag="span" />
        </button>
      </div>
      <div className="amlx-Runs-toolbar">
        <label className="amlx-Runs-sortLabel" htmlFor="amlx-runs-sort">
          {trans.__('Sort')}
        </label>
        <select
          id="amlx-runs-sort"
          className="amlx-Select"
          aria-label={trans.__('Sort runs by')}
          value={query.sortKey}
          onChange={event => runsView.setQuery({ sortKey: event.currentTarget.value })}
        >
          {fixedSorts().map(option => (
            <option key={option.value} value={option.value}>
              {option.label}
            </option>
          ))}
          {metricSorts.length > 0 && (
            <optgroup label={trans.__('Metrics')}>
              {metricSorts.map(option => (
                <option key={option.value} value={option.value}>
                  {option.label}
                </option>
              ))}
            </optgroup>
          )}
        </select>
        <button
          className="jp-Button jp-mod-minimal amlx-IconButton"
          aria-label={
            query.descending
              ? trans.__('Sorted descending; sort ascending')
              : trans.__('Sorted ascending; sort descending')
          }
          title={query.descending ? trans.__('Descending') : trans.__('Ascending')}
          onClick={() => runsView.setQuery({ descending: !query.descending })}
        >
          {query.descending ? '↓' : '↑'}
        </button>
        <button
          className="jp-Button jp-mod-minimal amlx-IconButton amlx-Runs-columnsButton"
          aria-label={trans.__('Choose metric columns')}
          aria-expanded={choosing}
          title={trans.__('Metric columns')}
          onClick={() => setChoosing(!choosing)}
        >
          {trans.__('Columns')}
        </button>
      </div>
      {filterError && (
        <p id="amlx-runs-filter-error" className="amlx-FieldError amlx-Runs-filterError" role="alert">
          {filterError.message}
        </p>
      )}
      {choosing && <ColumnsChooser services={props.services} shown={props.columns} onClose={() => setChoosing(false)} />}
      {props.services.selection.names.length > 0 && (
        <div className="amlx-Runs-toolbar amlx-Runs-selection" role="group" aria-label={trans.__('Selected runs')}>
          <span>{trans.__('%1 selected', props.services.selection.names.length)}</span>
          <button
            className="jp-Button jp-mod-styled jp-mod-accept amlx-small amlx-Runs-compareSelected"
            disabled={props.services.selection.names.length < 2}
            title={trans.__('Parameters, metrics and curves of the selected runs side by side')}
            onClick={() => props.services.execute(CommandIDs.compareSelected, { names: [...props.services.selection.names] })}
          >
            {trans.__('Compare %1', props.services.selection.names.length)}
          </button>
          <button
            className="jp-Button jp-mod-styled amlx-small amlx-Runs-archiveSelected"
            title={trans.__('Hide the selected runs (and their trials) from the lists; nothing is deleted')}
            onClick={() => void archiveSelected(props.services)}
          >
            {trans.__('Archive')}
          </button>
          <button className="jp-Button jp-mod-styled amlx-small" onClick={() => props.services.selection.clear()}>
            {trans.__('Clear')}
          </button>
        </div>
      )}
    </>
  );
}

/** Archive every selected run, then clear the selection and re-read the list; a refusal is a notification. */
async function archiveSelected(services: AmlxServices): Promise<void> {
  const names = [...services.selection.names];
  const failed: string[] = [];
  for (const name of names) {
    try {
      services.runs.merge([await services.client.archiveJob(name, true)]);
    } catch (reason) {
      failed.push(`${name}: ${asApiError(reason).message}`);
    }
  }
  services.selection.clear();
  services.runsView.refresh();
  if (failed.length) {
    Notification.error(trans.__('Some runs were not archived. %1', failed.join(' ')), { autoClose: false });
  } else {
    Notification.success(trans._n('Archived %1 run.', 'Archived %1 runs.', names.length), { autoClose: 5000 });
  }
}

function HeaderRow(props: { services: AmlxServices; columns: string[] }): JSX.Element {
  const { runsView } = props.services;
  const query = runsView.query;
  const cell = (key: string, label: string, className: string) => (
    <button
      key={key}
      className={`amlx-RunHead-cell ${className}`}
      aria-label={trans.__('Sort by %1', label)}
      aria-sort={query.sortKey === key ? (query.descending ? 'descending' : 'ascending') : undefined}
      onClick={() => runsView.sortBy(key)}
      title={trans.__('Sort by %1', label)}
    >
      {label}
      <SortArrow active={query.sortKey === key} descending={query.descending} />
    </button>
  );
  return (
    <div className="amlx-RunHead">
      {cell('status', trans._p('column header, short for Status', 'St'), 'amlx-col-status')}
      {cell('display_name', trans.__('Run'), 'amlx-col-name')}
      {cell('duration', trans.__('Time'), 'amlx-col-duration')}
      {props.columns.map(key => cell(METRIC_PREFIX + key, key, 'amlx-col-metric'))}
    </div>
  );
}

function GroupRow(props: {
  row: Extract<RunRow, { kind: 'group' }>;
  services: AmlxServices;
  active: boolean;
  id: string;
  onActivate: () => void;
}): JSX.Element {
  const { row, services } = props;
  return (
    <div
      id={props.id}
      role="option"
      aria-selected={props.active}
      aria-expanded={!row.collapsed}
      className={`amlx-RunGroup ${props.active ? 'amlx-mod-active' : ''}`}
      data-experiment={row.experiment}
      onClick={() => {
        props.onActivate();
        services.runsView.toggleGroup(row.experiment);
      }}
    >
      <span className="amlx-RunGroup-caret" aria-hidden="true">
        {row.collapsed ? '▸' : '▾'}
      </span>
      <span className="amlx-RunGroup-name" title={row.experiment}>
        {row.experiment}
      </span>
      <span className="amlx-RunGroup-count">{row.count === null ? '…' : formatCount(row.count)}</span>
      <button
        className="jp-Button jp-mod-minimal amlx-RunGroup-compare"
        aria-label={trans.__('Compare runs of %1', row.experiment)}
        title={trans.__('Compare runs: a metric against a parameter')}
        onClick={event => {
          event.stopPropagation();
          services.execute(CommandIDs.compareRuns, { experiment: row.experiment });
        }}
      >
        {trans.__('Compare')}
      </button>
    </div>
  );
}

function RunRowView(props: {
  job: IJob;
  varying: readonly string[];
  columns: string[];
  services: AmlxServices;
  active: boolean;
  id: string;
  now: number;
  onActivate: () => void;
  /** A sweep's row: whether its trials show under it (undefined for other runs). */
  expanded?: boolean;
  /** A trial's row, under its sweep. */
  trial?: boolean;
}): JSX.Element {
  const { job, now } = props;
  const sweep = props.expanded !== undefined;
  const label = props.trial
    ? trans.__('trial %1', job.tags?.['amlx.trial'] ?? job.name)
    : runLabel(job, props.varying);
  return (
    <div
      id={props.id}
      role="option"
      aria-selected={props.active}
      aria-expanded={sweep ? props.expanded : undefined}
      className={`amlx-RunRow ${props.active ? 'amlx-mod-active' : ''} ${sweep ? 'amlx-mod-sweep' : ''} ${props.trial ? 'amlx-mod-trial' : ''}`}
      data-run={job.name}
      data-parent={props.trial ? job.parent ?? undefined : undefined}
      data-status={job.status}
      data-type={job.type}
      title={trans.__('%1 (%2), submitted %3', job.display_name || job.name, job.name, formatAgo(job.created_at, now))}
      onClick={() => {
        props.onActivate();
        props.services.execute(CommandIDs.openRun, { name: job.name });
      }}
    >
      <input
        type="checkbox"
        className="amlx-RunRow-select"
        aria-label={`Select ${job.display_name || job.name} to compare`}
        checked={props.services.selection.has(job.name)}
        onClick={event => event.stopPropagation()}
        onChange={() => props.services.selection.toggle(job.name)}
      />
      <span className="amlx-col-status">
        <StatusBadge status={job.status} compact />
      </span>
      <span className="amlx-col-name amlx-RunRow-name">
        {sweep && (
          <button
            className="amlx-RunRow-caret"
            aria-label={
              props.expanded
                ? trans.__('Hide the trials of %1', job.display_name || job.name)
                : trans.__('Show the trials of %1', job.display_name || job.name)
            }
            title={props.expanded ? trans.__('Hide its trials') : trans.__('Show its trials')}
            onClick={event => {
              event.stopPropagation();
              props.services.runsView.toggleSweep(job.name);
            }}
          >
            {props.expanded ? '▾' : '▸'}
          </button>
        )}
        {job.type === 'automl' && (
          <span className="amlx-KindBadge" title={trans.__('An AutoML job: its trials are in its Leaderboard tab')}>
            {trans.__('AutoML')}
          </span>
        )}
        {label}
      </span>
      {isInteractive(job) && <InteractiveBadge />}
      <span className="amlx-col-duration">{formatDuration(jobDuration(job, now))}</span>
      {props.columns.map(key => (
        <span key={key} className="amlx-col-metric" data-metric={key}>
          {formatMetric(job.metrics?.[key])}
        </span>
      ))}
    </div>
  );
}

/** A run whose page is on its way (its row came into view). */
function PendingRow(props: { id: string; active: boolean }): JSX.Element {
  return (
    <div id={props.id} role="option" aria-selected={props.active} aria-busy="true" className={`amlx-RunPlaceholder amlx-mod-pending ${props.active ? 'amlx-mod-active' : ''}`}>
      {trans.__('Loading…')}
    </div>
  );
}

/** The end of a group sorted here (not on the server): more runs load when asked. */
function MoreRow(props: { id: string; active: boolean; experiment: string; services: AmlxServices; onActivate: () => void }): JSX.Element {
  return (
    <div id={props.id} role="option" aria-selected={props.active} className={`amlx-RunPlaceholder amlx-mod-more ${props.active ? 'amlx-mod-active' : ''}`}>
      <button
        className="amlx-Link"
        onClick={() => {
          props.onActivate();
          props.services.runsView.loadMore(props.experiment);
        }}
      >
        {trans.__('Load more runs of %1', props.experiment)}
      </button>
    </div>
  );
}

function VirtualRuns(props: { services: AmlxServices; rows: RunRow[]; columns: string[]; now: number }): JSX.Element {
  const { rows, services } = props;
  const viewport = React.useRef<HTMLDivElement>(null);
  const { height } = useSize(viewport);
  const [scrollTop, setScrollTop] = React.useState(0);
  const [active, setActive] = React.useState(-1);
  const slice = visibleWindow(rows.length, ROW_HEIGHT, scrollTop, height);
  const activeIndex = Math.min(active, rows.length - 1);

  const moveTo = (index: number) => {
    const next = Math.max(0, Math.min(rows.length - 1, index));
    setActive(next);
    const element = viewport.current;
    if (element) {
      element.scrollTop = scrollToRow(next, ROW_HEIGHT, element.scrollTop, element.clientHeight);
    }
  };
  const onKeyDown = (event: React.KeyboardEvent) => {
    const page = Math.max(1, Math.floor(height / ROW_HEIGHT) - 1);
    const keys: Record<string, () => void> = {
      ArrowDown: () => moveTo(activeIndex + 1),
      ArrowUp: () => moveTo(activeIndex - 1),
      // a sweep's trials open and close like a tree's children
      ArrowRight: () => {
        const row = rows[activeIndex];
        if (row?.kind === 'run' && row.expanded === false) {
          services.runsView.toggleSweep(row.job.name);
        }
      },
      ArrowLeft: () => {
        const row = rows[activeIndex];
        if (row?.kind === 'run' && row.expanded) {
          services.runsView.toggleSweep(row.job.name);
        }
      },
      PageDown: () => moveTo(activeIndex + page),
      PageUp: () => moveTo(activeIndex - page),
      Home: () => moveTo(0),
      End: () => moveTo(rows.length - 1),
      Enter: () => {
        const row = rows[activeIndex];
        if (row?.kind === 'group') {
          services.runsView.toggleGroup(row.experiment);
        } else if (row?.kind === 'run' || row?.kind === 'trial') {
          services.execute(CommandIDs.openRun, { name: row.job.name });
        } else if (row?.kind === 'more') {
          services.runsView.loadMore(row.experiment);
        }
      },
      ' ': () => keys.Enter()
    };
    const action = keys[event.key];
    if (action) {
      event.preventDefault();
      action();
    }
  };

  // the rows in view (and some ahead) that are not loaded yet are asked for
  const { runsView } = services;
  React.useEffect(() => {
    runsView.need(rows, slice.start, slice.end);
  }, [runsView, rows, slice.start, slice.end]);

  const items: JSX.Element[] = [];
  for (let index = slice.start; index < slice.end; index++) {
    const row = rows[index];
    const id = `amlx-runrow-${index}`;
    const active = index === activeIndex;
    const onActivate = () => setActive(index);
    if (row.kind === 'group') {
      items.push(
        <GroupRow key={`g:${row.experiment}`} row={row} services={services} active={active} id={id} onActivate={onActivate} />
      );
    } else if (row.kind === 'run') {
      items.push(
        <RunRowView
          key={row.job.name}
          job={row.job}
          varying={row.varying}
          columns={props.columns}
          services={services}
          active={active}
          id={id}
          now={props.now}
          onActivate={onActivate}
          expanded={row.expanded}
        />
      );
    } else if (row.kind === 'trial') {
      items.push(
        <RunRowView
          key={`t:${row.job.name}`}
          job={row.job}
          varying={[]}
          columns={props.columns}
          services={services}
          active={active}
          id={id}
          now={props.now}
          onActivate={onActivate}
          trial
        />
      );
    } else if (row.kind === 'pending') {
      items.push(<PendingRow key={`p:${row.experiment}:${row.index}`} id={id} active={active} />);
    } else {
      items.push(
        <MoreRow key={`m:${row.experiment}`} id={id} active={active} experiment={row.experiment} services={services} onActivate={onActivate} />
      );
    }
  }
  return (
    <div
      ref={viewport}
      className="amlx-Runs-viewport"
      role="listbox"
      aria-label={trans.__('Runs, grouped by experiment')}
      aria-activedescendant={activeIndex >= 0 ? `amlx-runrow-${activeIndex}` : undefined}
      tabIndex={0}
      onScroll={event => setScrollTop(event.currentTarget.scrollTop)}
      onKeyDown={onKeyDown}
      onKeyUp={event => {
        // keyboard focus arriving by Tab starts on the first row
        if (event.key === 'Tab' && active < 0 && rows.length) {
          setActive(0);
        }
      }}
    >
      <div className="amlx-Runs-spacer" style={{ height: slice.total }}>
        <div className="amlx-Runs-window" style={{ transform: `translateY(${slice.offset}px)` }}>
          {items}
        </div>
      </div>
    </div>
  );
}

/** "10,000 runs", or with a filter "3 of 10,000 runs" (a "+" while groups are still counting). */
function countText(services: AmlxServices): string {
  const { runsView } = services;
  const total = runsView.total ?? 0;
  if (!runsView.query.filter.trim()) {
    return trans._n('%2 run', '%2 runs', total, formatCount(total));
  }
  const matching = runsView.matching();
  const count = `${formatCount(matching.count)}${matching.known ? '' : '+'}`;
  return trans._n('%2 of %3 run', '%2 of %3 runs', total, count, formatCount(total));
}

export function RunsSection(props: { services: AmlxServices }): JSX.Element {
  const { services } = props;
  useSignal(services.runs.changed);
  useSignal(services.runsView.changed);
  useSignal(services.feed.changed);
  useSignal(services.selection.changed);
  const { runs, runsView, feed } = services;
  const container = React.useRef<HTMLDivElement>(null);
  const { width } = useSize(container);
  // running jobs' durations move every second; "submitted 5 min ago" in a row's tooltip moves too
  const now = useNow(true, runs.activeCount() > 0 ? 1000 : IDLE_TICK_MS) / 1000;
  const rows = runsView.rows(now);
  const columns = runsView.columns(autoColumnCount(width));
  const groups = runsView.experiments;
  const sortLabel =
    fixedSorts().find(option => option.value === runsView.query.sortKey)?.label ??
    runsView.query.sortKey.replace(METRIC_PREFIX, '');
  return (
    <div className="amlx-Runs" ref={container}>
      <Toolbar services={services} columns={columns} />
      <div
        className="amlx-Runs-status"
        aria-live="polite"
        data-loaded={runsView.loadedCount}
        data-total={runsView.total ?? ''}
      >
        {groups.pending ? (
          <Loading text={trans.__('Loading runs…')} />
        ) : (
          <span>
            {countText(services)}
            {feed.options.mode === 'live' && feed.state === 'ready' && (
              <span className="amlx-Live" title={trans.__('Updates arrive as they happen')}>
                {' '}
                {trans.__('· live')}
              </span>
            )}
          </span>
        )}
      </div>
      {!runsView.sortedOnServer && (
        <div className="amlx-Hint amlx-Runs-sortNote" role="note">
          {trans._n(
            'Sorted by %2 over the %3 run loaded: this target cannot sort by it.',
            'Sorted by %2 over the %3 runs loaded: this target cannot sort by it.',
            runsView.loadedCount,
            sortLabel,
            formatCount(runsView.loadedCount)
          )}
        </div>
      )}
      <ErrorNote
        error={runsView.error?.details?.field === 'filter' ? null : runsView.error}
        title={trans.__('Runs could not be loaded.')}
        onRetry={() => runsView.retry()}
      />
      <ErrorNote
        error={runsView.error ? null : feed.error}
        title={trans.__('Runs could not be updated.')}
        onRetry={() => feed.refreshNow()}
      />
      {groups.state === 'ready' && (groups.data ?? []).length === 0 ? (
        <div className="amlx-Empty">
          {withElements(
            trans.__('No runs yet. Select a notebook cell and use %1.', ...PLACEHOLDERS),
            <strong>{trans.__('Submit cell')}</strong>
          )}

        </div>
      ) : (
        <>
          <HeaderRow services={services} columns={columns} />
          <VirtualRuns services={services} rows={rows} columns={columns} now={now} />
        </>
      )}
    </div>
  );
}
