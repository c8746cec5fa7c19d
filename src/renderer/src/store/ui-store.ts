/** View preferences that are not channel data: time zone, selected token, visible panels. */
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { ZoneChoice } from '../format';

export const PANELS = ['depth', 'price', 'nowcast', 'world', 'health', 'inputs', 'sql'] as const;
export type PanelId = (typeof PANELS)[number];

export interface UiState {
  zone: ZoneChoice;
  selectedToken: string | null;
  hidden: Readonly<Partial<Record<PanelId, true>>>;
  dayPickerOpen: boolean;
  /** Tools ▸ Window sweep… */
  sweepOpen: boolean;
  /** A transient message for the status bar (export saved, errors). */
  notice: { text: string; tone: 'info' | 'error' } | null;
  /** Opening a day: what is happening and how far (0–1, null when unknown). */
  loading: { label: string; fraction: number | null } | null;
  /** The replayed day's whole-day history loading in the background (null when none). */
  historyLoad: HistoryLoad | null;
  setZone(zone: ZoneChoice): void;
  selectToken(token: string | null): void;
  togglePanel(panel: PanelId, visible?: boolean): void;
  setDayPickerOpen(open: boolean): void;
  setSweepOpen(open: boolean): void;
  notify(text: string, tone?: 'info' | 'error'): void;
  setLoading(loading: UiState['loading']): void;
  setHistoryLoad(historyLoad: HistoryLoad | null): void;
}

export interface HistoryLoad {
  /** 0–1 of the day's rows loaded. */
  fraction: number;
  /** The charts have their whole-day series. */
  chartsReady: boolean;
  done: boolean;
  error: string | null;
  elapsedMs: number;
}

export type UiStore = StoreApi<UiState>;

export function createUiStore(): UiStore {
  return createStore<UiState>((set) => ({
    zone: 'nyc',
    selectedToken: null,
    hidden: { sql: true },
    dayPickerOpen: false,
    sweepOpen: false,
    notice: null,
    loading: null,
    historyLoad: null,
    setZone: (zone) => set({ zone }),
    selectToken: (selectedToken) => set({ selectedToken }),
    togglePanel: (panel, visible) =>
      set((s) => {
        const show = visible ?? Boolean(s.hidden[panel]);
        const hidden = { ...s.hidden };
        if (show) delete hidden[panel];
        else hidden[panel] = true;
        return { hidden };
      }),
    setDayPickerOpen: (dayPickerOpen) => set({ dayPickerOpen }),
    setSweepOpen: (sweepOpen) => set({ sweepOpen }),
    notify: (text, tone = 'info') => set({ notice: { text, tone } }),
    setLoading: (loading) => set({ loading }),
    setHistoryLoad: (historyLoad) => set({ historyLoad }),
  }));
}
