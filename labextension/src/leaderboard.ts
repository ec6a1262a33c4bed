/**
 * An AutoML job's leaderboard and charts as the run panel shows them,
 * computed apart from React so jest can test it: score text with its spread,
 * short hyperparameter text, the confusion matrix with each true class's
 * recall, the ROC curves as chart points, and the residual histogram's bars.
 */
import { IAutoMLDetails, ILeaderboardEntry, IModelCharts } from './apitypes';
import { trans } from './i18n';

/** `0.9091 ± 0.070`; `–` when the trial has no score. */
export function scoreText(entry: Pick<ILeaderboardEntry, 'score' | 'score_std'>): string {
  if (entry.score === null || entry.score === undefined) {
    return '–';
  }
  const spread = entry.score_std === null || entry.score_std === undefined ? '' : ` ± ${entry.score_std.toFixed(3)}`;
  return `${entry.score.toFixed(4)}${spread}`;
}

/** `n_estimators=6, learning_rate=0.0937` cut to `limit` characters. */
export function hyperparameterText(values: Record<string, unknown>, limit = 80): string {
  const parts = Object.entries(values).map(([key, value]) => {
    const shown = typeof value === 'number' && !Number.isInteger(value) ? Number(value.toPrecision(3)) : value;
    return `${key}=${typeof shown === 'object' ? JSON.stringify(shown) : String(shown)}`;
  });
  const text = parts.join(', ');
  return text.length <= limit ? text : `${text.slice(0, limit - 1)}…`;
}

/** The sentence above the table: what is optimised, how, and how the search ended. */
export function summaryText(details: IAutoMLDetails): string {
  const parts = [
    details.goal === 'minimize'
      ? trans.__('%1 (lower is better)', details.primary_metric)
      : trans.__('%1 (higher is better)', details.primary_metric)
  ];
  if (details.validation) {
    parts.push(details.validation);
  }
  parts.push(trans._n('%1 trial', '%1 trials', details.trials));
  return parts.join(' · ');
}

export interface IConfusionRow {
  label: string;
  counts: number[];
  total: number;
  /** The share of this true class predicted right (its recall), 0..1; null without rows. */
  recall: number | null;
}

/** Rows of the confusion matrix (true labels) with each class's total and recall. */
export function confusionRows(charts: IModelCharts): IConfusionRow[] {
  const labels = charts.confusion_labels ?? [];
  return (charts.confusion_matrix ?? []).map((counts, i) => {
    const total = counts.reduce((sum, n) => sum + n, 0);
    return { label: labels[i] ?? String(i), counts, total, recall: total ? counts[i] / total : null };
  });
}

/** How dark a cell is drawn: its share of its row, 0..1. */
export function cellShade(count: number, total: number): number {
  return total > 0 ? count / total : 0;
}

/** Each ROC curve as chart points (x: false positive rate, y: true positive rate). */
export function rocPoints(charts: IModelCharts): { label: string; auc: number | null; points: { x: number; y: number }[] }[] {
  return (charts.roc ?? []).map(curve => ({
    label: curve.label,
    auc: curve.auc ?? null,
    points: curve.fpr.map((x, i) => ({ x, y: curve.tpr[i] }))
  }));
}

/** Predicted against actual, one point per sampled validation row. */
export function residualPoints(charts: IModelCharts): { id: string; label: string; x: number; y: number }[] {
  const actual = charts.actual ?? [];
  return (charts.predicted ?? []).map((x, i) => ({ id: String(i), label: trans.__('row %1', i), x, y: actual[i] }));
}

export interface IBar {
  from: number;
  to: number;
  count: number;
  /** Height relative to the tallest bar, 0..1. */
  height: number;
}

/** The residual histogram's bars (`residual_bins` holds one edge more than there are counts). */
export function residualBars(charts: IModelCharts): IBar[] {
  const counts = charts.residual_counts ?? [];
  const edges = charts.residual_bins ?? [];
  const tallest = Math.max(0, ...counts);
  return counts.map((count, i) => ({
    from: edges[i],
    to: edges[i + 1],
    count,
    height: tallest ? count / tallest : 0
  }));
}
