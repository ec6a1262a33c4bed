/**
 * A run's Logs tab: the followed log, kept scrolled to the end unless the
 * person scrolled up, and whether it is still streaming.
 */
import * as React from 'react';

import { IJob } from './apitypes';
import { ErrorNote, useSignal } from './components';
import { isTerminal } from './format';
import { LogFollower } from './logfollow';
import { trans } from './i18n';

export function Logs(props: { follower: LogFollower; job: IJob }): JSX.Element {
  const { follower } = props;
  useSignal(follower.changed);
  const pre = React.useRef<HTMLPreElement>(null);
  const stick = React.useRef(true);
  React.useLayoutEffect(() => {
    const element = pre.current;
    if (element && stick.current) {
      element.scrollTop = element.scrollHeight;
    }
  }, [follower.text]);
  const state = follower.complete
    ? trans.__('Log complete.')
    : follower.following
      ? isTerminal(props.job.status)
        ? trans.__('Reading the rest of the log…')
        : trans.__('Streaming live…')
      : trans.__('Not streaming.');
  return (
    <div className="amlx-Logs">
      <div className="amlx-Logs-status" data-complete={follower.complete} role="status">
        {!follower.complete && follower.following && <span className="amlx-Spinner" aria-hidden="true" />}
        {state}
        {follower.truncated && ' ' + trans.__('(earlier lines dropped; download the full log from Outputs)')}
      </div>
      <ErrorNote error={follower.error} title={trans.__('The log could not be read.')} onRetry={() => follower.start()} />
      <pre
        ref={pre}
        className="amlx-Code amlx-Logs-text"
        aria-label={trans.__('Job log')}
        tabIndex={0}
        onScroll={event => {
          const element = event.currentTarget;
          stick.current = element.scrollHeight - element.scrollTop - element.clientHeight < 24;
        }}
      >
        {follower.text || (follower.complete ? trans.__('(the log is empty)') : '')}

      </pre>
    </div>
  );
}
