import type { QcState } from '../../../shared/schemas';

const TONE: Record<QcState, string> = { OK: 'ok', DEGRADED: 'warn', OUTLIER_LIKELY: 'bad', STALE: 'warn' };

export function QcBadge({ state, testId }: { state: QcState; testId?: string }) {
  return (
    <span className={`badge ${TONE[state]}`} data-testid={testId} title="QC state">
      {state}
    </span>
  );
}
