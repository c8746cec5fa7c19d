/**
 * "The story at the cursor" when paused: which correlation the moment belongs to. A moment inside an event window belongs to the window's story (the
 * METAR, shock or QC change that opened it); outside one, to the latest METAR's story, since that
 * is what the model's current view derives from; with no METAR yet, to the last event's.
 * (The last event alone is usually a book snapshot correlated only with itself: exporting that
 * would miss the story the analyst is looking at.) The active inputs come from
 * src/shared/players/inputs.ts, shared with the snapshot export.
 */
import type { ChannelState } from '../../../shared/channel-state';
import type { EventWindow } from '../../../shared/schemas';

export interface CursorStory {
  correlation_id: string;
  source: 'window' | 'metar' | 'last_event';
  window: EventWindow | null;
}

export function cursorStory(state: ChannelState): CursorStory | null {
  const windows = Object.values(state.open_windows);
  if (windows.length > 0) {
    const latest = windows.reduce((a, b) => (b.start_ts > a.start_ts ? b : a));
    return { correlation_id: latest.correlation_id, source: 'window', window: latest };
  }
  if (state.metar) return { correlation_id: state.metar.correlation_id, source: 'metar', window: null };
  if (state.last_event) return { correlation_id: state.last_event.correlation_id, source: 'last_event', window: null };
  return null;
}
