/**
 * A run's Logs tab: the followed log, kept scrolled to the end unless the
 * person scrolled up, and whether it is still streaming; a find box
 * (matches highlighted, Enter and Shift+Enter step through them), a line
 * wrap switch and a download of the whole log. An interactive run has no
 * log: its output is in the notebook.
 */
import * as React from 'react';

import { AmlxApiError } from './api';
import { IJob } from './apitypes';
import { ErrorNote, useSignal } from './components';
import { readWholeLog, saveBlob } from './download';
import { isInteractive, isTerminal } from './format';
import { LogFollower } from './logfollow';
import { trans } from './i18n';
import { findInLog, logPieces, matchCount, nextMatch } from './logsearch';
import { asApiError } from './resource';
import { AmlxServices } from './services';

function Toolbar(props: {
  query: string;
  onQuery: (query: string) => void;
  count: string;
  onStep: (step: number) => void;
  wrap: boolean;
  onWrap: (wrap: boolean) => void;
  downloading: boolean;
  onDownload: () => void;
}): JSX.Element {
  return (
    <div className="amlx-Logs-toolbar" role="toolbar" aria-label={trans.__('Log tools')}>
      <input
        className="amlx-Input amlx-Logs-find"
        type="search"
        placeholder={trans.__('Find in log')}
        aria-label={trans.__('Find in log')}
        value={props.query}
        onChange={event => props.onQuery(event.currentTarget.value)}
        onKeyDown={event => {
          if (event.key === 'Enter') {
            event.preventDefault();
            props.onStep(event.shiftKey ? -1 : 1);
          }
        }}
      />
      {props.query && (
        <>
          <span className="amlx-Logs-count" role="status" aria-live="polite">
            {props.count}
          </span>
          <button className="jp-Button jp-mod-minimal amlx-IconButton" 
            aria-label={trans.__('Previous match')}
            title={trans.__('Previous match (Shift+Enter)')}
            onClick={() => props.onStep(-1)}>
            ↑
          </button>
          <button className="jp-Button jp-mod-minimal amlx-IconButton" 
            aria-label={trans.__('Next match')}
            title={trans.__('Next match (Enter)')}
            onClick={() => props.onStep(1)}>
            ↓
          </button>
        </>
      )}
      <label className="amlx-Logs-wrap">
        <input type="checkbox" checked={props.wrap} onChange={event => props.onWrap(event.currentTarget.checked)} />{' '}
        {trans.__('Wrap lines')}
      </label>
      <button className="jp-Button jp-mod-styled amlx-small amlx-Logs-download" disabled={props.downloading} onClick={props.onDownload}>
        {props.downloading ? trans.__('Downloading…') : trans.__('Download log')}
      </button>
    </div>
  );
}

export function Logs(props: { services: AmlxServices; follower: LogFollower; job: IJob }): JSX.Element {
  const { services, follower, job } = props;
  useSignal(follower.changed);
  const pre = React.useRef<HTMLPreElement>(null);
  const stick = React.useRef(true);
  const [query, setQuery] = React.useState('');
  const [current, setCurrent] = React.useState(-1);
  const [wrap, setWrap] = React.useState(services.logWrap);
  const [downloading, setDownloading] = React.useState(false);
  const [downloadError, setDownloadError] = React.useState<AmlxApiError | null>(null);
  const text = follower.text;
  const search = React.useMemo(() => findInLog(text, query), [text, query]);
  const pieces = React.useMemo(() => (query ? logPieces(text, search.matches) : null), [text, query, search]);
  const shown = Math.min(current, search.matches.length - 1);
  React.useLayoutEffect(() => {
    const element = pre.current;
    if (element && stick.current && !query) {
      element.scrollTop = element.scrollHeight;
    }
  }, [text, query]);
  // the current match in view (the log stops following the end while the person searches)
  React.useLayoutEffect(() => {
    if (shown >= 0) {
      pre.current?.querySelector('.amlx-Logs-match.amlx-mod-current')?.scrollIntoView({ block: 'center' });
    }
  }, [shown, query]);

  if (isInteractive(job)) {
    return (
      <div className="amlx-Logs">
        <div className="amlx-Note amlx-Logs-interactive" role="note">
          {trans.__(
            'This run was logged by a notebook kernel (mlflow.start_run), not run as a job: its output is in the notebook that ran it. The metrics, params and artifacts it logged are in the other tabs.'
          )}
        </div>
      </div>
    );
  }

  const state = follower.complete
    ? trans.__('Log complete.')
    : follower.following
      ? isTerminal(job.status)
        ? trans.__('Reading the rest of the log…')
        : trans.__('Streaming live…')
      : trans.__('Not streaming.');
  const download = () => {
    setDownloading(true);
    readWholeLog(services.client, job.name)
      .then(
        whole => {
          saveBlob(new Blob([whole], { type: 'text/plain' }), `${job.name}.log`);
          setDownloadError(null);
        },
        reason => setDownloadError(asApiError(reason))
      )
      .finally(() => setDownloading(false));
  };
  return (
    <div className="amlx-Logs">
      <div className="amlx-Logs-status" data-complete={follower.complete} role="status">
        {!follower.complete && follower.following && <span className="amlx-Spinner" aria-hidden="true" />}
        {state}
        {follower.truncated && ' ' + trans.__('(earlier lines are not shown; Download log has all of it)')}
      </div>
      <Toolbar
        query={query}
        onQuery={next => {
          setQuery(next);
          setCurrent(next ? 0 : -1);
        }}
        count={matchCount(shown, search)}
        onStep={step => setCurrent(nextMatch(shown, step, search.matches.length))}
        wrap={wrap}
        onWrap={next => {
          setWrap(next);
          services.setLogWrap(next);
        }}
        downloading={downloading}
        onDownload={download}
      />
      <ErrorNote error={follower.error} title={trans.__('The log could not be read.')} onRetry={() => follower.start()} />
      <ErrorNote error={downloadError} title={trans.__('The log could not be downloaded.')} />
      <pre
        ref={pre}
        className={`amlx-Code amlx-Logs-text ${wrap ? 'amlx-mod-wrap' : 'amlx-mod-nowrap'}`}
        aria-label={trans.__('Job log')}
        tabIndex={0}
        onScroll={event => {
          const element = event.currentTarget;
          stick.current = element.scrollHeight - element.scrollTop - element.clientHeight < 24;
        }}
      >
        {pieces
          ? pieces.map((piece, index) =>
              piece.match < 0 ? (
                <React.Fragment key={index}>{piece.text}</React.Fragment>
              ) : (
                <mark key={index} className={`amlx-Logs-match ${piece.match === shown ? 'amlx-mod-current' : ''}`}>
                  {piece.text}
                </mark>
              )
            )
          : text || (follower.complete ? trans.__('(the log is empty)') : '')}
      </pre>
    </div>
  );
}
