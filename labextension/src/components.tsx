/**
 * Small shared React pieces: collapsible sections, status badges, inline
 * errors with Retry, tabs, copy buttons.
 */
import { ISignal } from '@lumino/signaling';
import { caretDownIcon, caretRightIcon } from '@jupyterlab/ui-components';
import * as React from 'react';

import { AmlxApiError, NOT_SUPPORTED } from './api';
import { JobStatus } from './apitypes';
import { agoRefreshMs, formatAgo, formatTime, isTerminal, statusKind, statusLabel } from './format';
import { Latest, asApiError } from './resource';
import { trans } from './i18n';

/** A titled block whose body can be folded; the header is a real button (keyboard, aria-expanded). */
export function Section(props: {
  id: string;
  title: string;
  expanded: boolean;
  onToggle: () => void;
  actions?: React.ReactNode;
  badge?: React.ReactNode;
  className?: string;
  children: React.ReactNode;
}): JSX.Element {
  const bodyId = `amlx-section-${props.id}`;
  const Caret = props.expanded ? caretDownIcon : caretRightIcon;
  return (
    <section
      className={`amlx-Section amlx-Section-${props.id} ${props.className ?? ''}`}
      data-expanded={props.expanded}
      aria-label={props.title}
    >
      <div className="amlx-Section-header">
        <button
          className="amlx-Section-toggle"
          aria-expanded={props.expanded}
          aria-controls={bodyId}
          onClick={props.onToggle}
        >
          <Caret.react tag="span" className="amlx-Section-caret" />
          <span className="amlx-Section-title">{props.title}</span>
          {props.badge}
        </button>
        {props.expanded && props.actions && (
          <div className="amlx-Section-actions">{props.actions}</div>
        )}
      </div>
      {props.expanded && (
        <div className="amlx-Section-body" id={bodyId}>
          {props.children}
        </div>
      )}
    </section>
  );
}

/** A status pill's words are Azure ML studio's (`statusLabel`); `data-status` keeps the API's value. */

/** A status pill (text) or dot (compact, for list rows); the text is always there for screen readers. */
export function StatusBadge(props: { status: JobStatus; compact?: boolean }): JSX.Element {
  const kind = statusKind(props.status);
  const label = statusLabel(props.status);
  return (
    <span
      className={`amlx-Status amlx-Status-${kind} ${props.compact ? 'amlx-mod-compact' : ''}`}
      data-status={props.status}
      data-active={!isTerminal(props.status)}
      title={label}
    >
      <span className="amlx-Status-dot" aria-hidden="true" />
      <span className={props.compact ? 'amlx-visually-hidden' : 'amlx-Status-text'}>{label}</span>
    </span>
  );
}

/**
 * A readable error in place, with an optional Retry. A capability the target
 * does not have (409 `not_supported`) is a plain sentence: trying again
 * cannot help.
 */
export function ErrorNote(props: {
  error: AmlxApiError | null;
  title?: string;
  onRetry?: () => void;
}): JSX.Element | null {
  if (!props.error) {
    return null;
  }
  if (props.error.code === NOT_SUPPORTED) {
    return (
      <div className="amlx-Note amlx-NotSupported" role="note">
        {props.error.message}
      </div>
    );
  }
  return (
    <div className="amlx-ErrorNote" role="alert">
      {props.title && <strong>{props.title}</strong>}
      <span className="amlx-ErrorNote-message">{props.error.message}</span>
      {props.onRetry && (
        <button className="jp-Button jp-mod-styled jp-mod-reject amlx-small" onClick={props.onRetry}>
          {trans.__('Retry')}
        </button>
      )}
    </div>
  );
}

export function Loading(props: { text?: string }): JSX.Element {
  return (
    <div className="amlx-Loading" role="status">
      <span className="amlx-Spinner" aria-hidden="true" />
      {props.text ?? trans.__('Loading…')}
    </div>
  );
}

export function Empty(props: { children: React.ReactNode }): JSX.Element {
  return <div className="amlx-Empty">{props.children}</div>;
}

export interface ITab {
  id: string;
  label: string;
}

/** WAI-ARIA tabs: arrow keys move between tabs, the panel follows. */
export function Tabs(props: {
  tabs: ITab[];
  selected: string;
  onSelect: (id: string) => void;
  label: string;
  idPrefix: string;
}): JSX.Element {
  const onKeyDown = (event: React.KeyboardEvent) => {
    const index = props.tabs.findIndex(tab => tab.id === props.selected);
    let next = index;
    if (event.key === 'ArrowRight') {
      next = (index + 1) % props.tabs.length;
    } else if (event.key === 'ArrowLeft') {
      next = (index - 1 + props.tabs.length) % props.tabs.length;
    } else if (event.key === 'Home') {
      next = 0;
    } else if (event.key === 'End') {
      next = props.tabs.length - 1;
    } else {
      return;
    }
    event.preventDefault();
    props.onSelect(props.tabs[next].id);
    const button = document.getElementById(`${props.idPrefix}-tab-${props.tabs[next].id}`);
    button?.focus();
  };
  return (
    <div className="amlx-Tabs" role="tablist" aria-label={props.label} onKeyDown={onKeyDown}>
      {props.tabs.map(tab => (
        <button
          key={tab.id}
          id={`${props.idPrefix}-tab-${tab.id}`}
          role="tab"
          className="amlx-Tab"
          aria-selected={tab.id === props.selected}
          aria-controls={`${props.idPrefix}-panel-${tab.id}`}
          tabIndex={tab.id === props.selected ? 0 : -1}
          onClick={() => props.onSelect(tab.id)}
        >
          {tab.label}
        </button>
      ))}
    </div>
  );
}

export function TabPanel(props: {
  idPrefix: string;
  id: string;
  children: React.ReactNode;
  className?: string;
}): JSX.Element {
  return (
    <div
      role="tabpanel"
      id={`${props.idPrefix}-panel-${props.id}`}
      aria-labelledby={`${props.idPrefix}-tab-${props.id}`}
      className={`amlx-TabPanel ${props.className ?? ''}`}
      tabIndex={0}
    >
      {props.children}
    </div>
  );
}

/** Copies `text` (which may differ from what is shown, e.g. a masked key) and says so. */
export function CopyButton(props: { text: () => Promise<string> | string; label: string; disabled?: boolean }): JSX.Element {
  const [done, setDone] = React.useState<'idle' | 'copied' | 'failed'>('idle');
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(await props.text());
      setDone('copied');
    } catch {
      setDone('failed');
    }
    window.setTimeout(() => setDone('idle'), 2000);
  };
  return (
    <button
      className="jp-Button jp-mod-styled amlx-small amlx-CopyButton"
      onClick={() => void copy()}
      disabled={props.disabled}
      aria-label={props.label}
      title={props.label}
    >
      {done === 'copied' ? trans.__('Copied') : done === 'failed' ? trans.__('Copy failed') : trans.__('Copy')}

    </button>
  );
}

/** The element's client size, kept current with a ResizeObserver. */
export function useSize(ref: React.RefObject<HTMLElement>): { width: number; height: number } {
  const [size, setSize] = React.useState({ width: 300, height: 400 });
  React.useLayoutEffect(() => {
    const element = ref.current;
    if (!element) {
      return;
    }
    const measure = () => setSize({ width: element.clientWidth || 300, height: element.clientHeight || 400 });
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(element);
    return () => observer.disconnect();
  }, [ref]);
  return size;
}

/**
 * The time in epoch milliseconds, advanced every `ms` while `active` (live
 * durations of running jobs, elapsed time of a deployment). Kept in state
 * rather than read during render, so a render is a pure function of state.
 */
export function useNow(active: boolean, ms = 1000): number {
  const [now, setNow] = React.useState(() => Date.now());
  React.useEffect(() => {
    if (!active) {
      return;
    }
    const tick = () => setNow(Date.now());
    // catch up at once when it starts ticking (the value may be from long ago)
    const first = window.setTimeout(tick, 0);
    const handle = window.setInterval(tick, ms);
    return () => {
      window.clearTimeout(first);
      window.clearInterval(handle);
    };
  }, [active, ms]);
  return now;
}

/** `value` once it has stopped changing for `ms` (typing in a field, before asking the server about it). */
export function useDebounced<T>(value: T, ms: number): T {
  const [settled, setSettled] = React.useState(value);
  React.useEffect(() => {
    const handle = window.setTimeout(() => setSettled(value), ms);
    return () => window.clearTimeout(handle);
  }, [value, ms]);
  return settled;
}

/** "5 min ago" that stays true while it is on screen (the full date in its tooltip). */
export function Ago(props: { epochSeconds: number | null | undefined }): JSX.Element {
  const { epochSeconds } = props;
  // the tick slows down as the time recedes (minutes, then hours, then days change)
  const [tick, setTick] = React.useState(() => agoRefreshMs(epochSeconds, Date.now() / 1000));
  const now = useNow(true, tick) / 1000;
  const next = agoRefreshMs(epochSeconds, now);
  if (next !== tick) {
    setTick(next);
  }
  return (
    <time
      className="amlx-Ago"
      dateTime={epochSeconds ? new Date(epochSeconds * 1000).toISOString() : undefined}
      title={formatTime(epochSeconds)}
    >
      {formatAgo(epochSeconds, now)}
    </time>
  );
}

/** Marks a run a notebook kernel logged itself: no log, code package or process of its own. */
export function InteractiveBadge(): JSX.Element {
  return (
    <span
      className="amlx-TypeBadge"
      data-type="interactive"
      title={trans.__('Interactive run: logged by a notebook kernel (mlflow.start_run), not submitted as a job')}
    >
      {trans.__('interactive')}
    </span>
  );
}

/** Subscribe a component to a Lumino signal (re-render on emit). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function useSignal(signal: ISignal<any, any> | null): void {
  const [, setCount] = React.useState(0);
  React.useEffect(() => {
    if (!signal) {
      return;
    }
    const onChange = () => setCount(c => c + 1);
    signal.connect(onChange);
    return () => {
      signal.disconnect(onChange);
    };
  }, [signal]);
}

/**
 * One value a view fetches for itself (a curl command, keys, versions): only
 * the newest request's answer or error applies, so a slower older one never
 * overwrites it, and nothing applies after unmount. `key` names what is
 * fetched (a job, an endpoint): a new key fetches again. `set` puts a value
 * known otherwise (e.g. keys from Regenerate) and drops the requests in
 * flight; with `clear`, the value of another key is not shown while the new
 * one loads.
 */
export function useLatestRequest<T>(
  fetch: () => Promise<T>,
  key: string,
  clear = false
): { value: T | null; fresh: boolean; error: AmlxApiError | null; load: () => void; set: (value: T) => void } {
  const [state, setState] = React.useState<IRequestState<T>>({ key, value: null, error: null });
  const [requests] = React.useState(() => new Latest());
  // the newest `fetch` (a closure over this render's props) without refetching on every render
  const latestFetch = React.useRef(fetch);
  React.useLayoutEffect(() => {
    latestFetch.current = fetch;
  });
  const start = React.useCallback(() => {
    const isLatest = requests.begin();
    latestFetch.current().then(
      value => isLatest() && setState({ key, value, error: null }),
      reason => isLatest() && setState(current => ({ key, value: current.value, error: asApiError(reason) }))
    );
  }, [key, requests]);
  React.useEffect(() => {
    start();
    return () => requests.cancel();
  }, [start, requests]);
  const load = () => {
    // an error note is drawn instead of the value: clear it so Retry shows progress
    setState(current => ({ key: current.key, value: clear ? null : current.value, error: null }));
    start();
  };
  const set = (value: T) => {
    requests.cancel();
    setState({ key, value, error: null });
  };
  // `fresh`: the value is the answer for `key` (else an older key's, kept while the new one loads)
  const fresh = state.key === key && state.value !== null;
  return { value: fresh || !clear ? state.value : null, fresh, error: state.key === key ? state.error : null, load, set };
}

interface IRequestState<T> {
  /** The key the value and error belong to. */
  key: string;
  value: T | null;
  error: AmlxApiError | null;
}

/**
 * The arguments that keep a translated sentence's `%1`…`%9` as they are
 * (`trans.__` fills placeholders from its arguments), for `withElements`:
 * `withElements(trans.__('Use %1.', ...PLACEHOLDERS), <strong>…</strong>)`.
 */
export const PLACEHOLDERS = ['%1', '%2', '%3', '%4', '%5', '%6', '%7', '%8', '%9'];

/**
 * A translated sentence with React elements in place of its `%1`, `%2`…
 * (a bold command name inside the sentence), so the sentence is translated
 * whole, wherever the translation puts the placeholder.
 */
export function withElements(text: string, ...elements: React.ReactNode[]): React.ReactNode[] {
  return text.split(/(%\d)/).map((part, i) => {
    const match = /^%(\d)$/.exec(part);
    const element = match ? elements[Number(match[1]) - 1] : undefined;
    return <React.Fragment key={i}>{element !== undefined ? element : part}</React.Fragment>;
  });
}
