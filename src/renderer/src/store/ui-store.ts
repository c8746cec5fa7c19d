/**
 * View preferences that are not channel data: time zone, selected and overlaid tokens, visible
 * panels and their sizes, the timeline's zoom and selected range, dialogs. The preferences an
 * analyst sets once (zone, panels, sizes, step channel) are remembered across reloads and restarts
 * (`persist.ts`); the rest belongs to the session.
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import { z } from 'zod';
import { CHANNELS, type Channel } from '../../../shared/channels';
import type { ZoneChoice } from '../format';
import { loadPersisted, savePersisted } from './persist';

export const PANELS = ['depth', 'price', 'probability', 'nowcast', 'world', 'health', 'inputs', 'sql'] as const;
export type PanelId = (typeof PANELS)[number];
export const PANEL_TITLES: Record<PanelId, string> = {
  depth: 'L2 depth',
  price: 'Price',
  probability: 'Market vs nowcast',
  nowcast: 'Nowcast',
  world: 'World',
  health: 'Health',
  inputs: 'Inputs at cursor',
  sql: 'SQL console',
};

/** The panels stacked in the middle column, top to bottom; their heights are shares of it. */
export const CENTER_PANELS = ['price', 'probability', 'nowcast'] as const;
export type CenterPanel = (typeof CENTER_PANELS)[number];

export interface Layout {
  /** Width of the left (depth) and right (world, inputs, health) columns, px. */
  leftPx: number;
  rightPx: number;
  /** Relative heights of the middle column's panels. */
  center: Record<CenterPanel, number>;
  /** Height of the SQL console, px. */
  sqlPx: number;
}

export const DEFAULT_LAYOUT: Layout = { leftPx: 330, rightPx: 330, center: { price: 3, probability: 2.2, nowcast: 1.8 }, sqlPx: 300 };
export const COLUMN_MIN_PX = 240;
export const COLUMN_MAX_PX = 720;

export interface TimeRange {
  from: number;
  to: number;
}

/** What "step to the next/previous event" steps through: one channel, or any. */
export type StepChannel = Channel | 'any';

export interface Notice {
  /** Each notice is new: a later one replaces an earlier one's text, never the reverse. */
  id: number;
  text: string;
  tone: 'info' | 'error';
  /**
   * While work goes on: how far (0–1), or null when that is unknown. The notice stays until the
   * work is done (progress back to undefined).
   */
  progress?: number | null;
}

export interface UiState {
  zone: ZoneChoice;
  selectedToken: string | null;
  /** Further tokens drawn on the price chart with the selected one. */
  overlayTokens: readonly string[];
  hidden: Readonly<Partial<Record<PanelId, true>>>;
  layout: Layout;
  /** The timeline's visible span (null: the whole day). */
  view: TimeRange | null;
  /** A selected range of the day (drag with Shift on the timeline, or I / O at the cursor). */
  selection: TimeRange | null;
  /** Play the selection in a loop. */
  loop: boolean;
  stepChannel: StepChannel;
  dayPickerOpen: boolean;
  /** File ▸ Connect to Server… is open. */
  connectOpen: boolean;
  /** Tools ▸ Window sweep… */
  sweepOpen: boolean;
  rulesOpen: boolean;
  /** The correlation whose events are listed (null: closed). */
  correlation: string | null;
  /** A transient message for the status bar (export saved, errors). */
  notice: Notice | null;
  /** Opening a day: what is happening and how far (0–1, null when unknown). */
  loading: { label: string; fraction: number | null } | null;
  /** The replayed day's whole-day history loading in the background (null when none). */
  historyLoad: HistoryLoad | null;
  /** Text to put in the SQL console (the range's "open in SQL"); taken by the console. */
  sqlDraft: string | null;
  setZone(zone: ZoneChoice): void;
  selectToken(token: string | null): void;
  toggleOverlay(token: string): void;
  togglePanel(panel: PanelId, visible?: boolean): void;
  setLayout(patch: Partial<Layout>): void;
  resetLayout(): void;
  setView(view: TimeRange | null): void;
  setSelection(selection: TimeRange | null): void;
  setLoop(loop: boolean): void;
  setStepChannel(channel: StepChannel): void;
  setDayPickerOpen(open: boolean): void;
  setConnectOpen(open: boolean): void;
  setSweepOpen(open: boolean): void;
  setRulesOpen(open: boolean): void;
  showCorrelation(id: string | null): void;
  /** Show a message; returns its id (for `progress` updates of the same notice). */
  notify(text: string, tone?: 'info' | 'error', progress?: number | null): number;
  /** Update notice `id` if it is still the one shown. */
  updateNotice(id: number, patch: Partial<Omit<Notice, 'id'>>): void;
  setLoading(loading: UiState['loading']): void;
  setHistoryLoad(historyLoad: HistoryLoad | null): void;
  openInSql(text: string): void;
  takeSqlDraft(): string | null;
}

export interface HistoryLoad {
  /** 0–1 of the chart channels' rows read. */
  fraction: number;
  /** The charts have their whole-day series. */
  chartsReady: boolean;
  done: boolean;
  error: string | null;
  elapsedMs: number;
}

export type UiStore = StoreApi<UiState>;

const layoutSchema = z.object({
  leftPx: z.number().min(COLUMN_MIN_PX).max(COLUMN_MAX_PX),
  rightPx: z.number().min(COLUMN_MIN_PX).max(COLUMN_MAX_PX),
  center: z.object({ price: z.number().positive().max(100), probability: z.number().positive().max(100), nowcast: z.number().positive().max(100) }),
  sqlPx: z.number().min(120).max(2000),
});

/** What is remembered between runs. */
const preferencesSchema = z.object({
  zone: z.enum(['nyc', 'madrid', 'utc']),
  hidden: z.partialRecord(z.enum(PANELS), z.literal(true)),
  layout: layoutSchema,
  stepChannel: z.enum(['any', ...CHANNELS] as [StepChannel, ...StepChannel[]]),
});
type Preferences = z.infer<typeof preferencesSchema>;
const PREFERENCES_KEY = 'helios.preferences.v1';

export function createUiStore(options: { remember?: boolean } = {}): UiStore {
  const remember = options.remember ?? true;
  const saved = remember ? loadPersisted(PREFERENCES_KEY, preferencesSchema) : null;
  let nextNotice = 1;
  const store = createStore<UiState>((set, get) => ({
    zone: saved?.zone ?? 'nyc',
    selectedToken: null,
    overlayTokens: [],
    hidden: saved?.hidden ?? { sql: true },
    layout: saved?.layout ?? DEFAULT_LAYOUT,
    view: null,
    selection: null,
    loop: false,
    stepChannel: saved?.stepChannel ?? 'any',
    dayPickerOpen: false,
    connectOpen: false,
    sweepOpen: false,
    rulesOpen: false,
    correlation: null,
    notice: null,
    loading: null,
    historyLoad: null,
    sqlDraft: null,
    setZone: (zone) => set({ zone }),
    selectToken: (selectedToken) => set((s) => ({ selectedToken, overlayTokens: s.overlayTokens.filter((t) => t !== selectedToken) })),
    toggleOverlay: (token) =>
      set((s) => ({
        overlayTokens: s.overlayTokens.includes(token) ? s.overlayTokens.filter((t) => t !== token) : token === s.selectedToken ? s.overlayTokens : [...s.overlayTokens, token],
      })),
    togglePanel: (panel, visible) =>
      set((s) => {
        const show = visible ?? Boolean(s.hidden[panel]);
        const hidden = { ...s.hidden };
        if (show) delete hidden[panel];
        else hidden[panel] = true;
        return { hidden };
      }),
    setLayout: (patch) => set((s) => ({ layout: { ...s.layout, ...patch } })),
    resetLayout: () => set({ layout: DEFAULT_LAYOUT, hidden: { sql: true } }),
    setView: (view) => set({ view }),
    setSelection: (selection) => set(selection === null ? { selection, loop: false } : { selection }),
    setLoop: (loop) => set((s) => ({ loop: loop && s.selection !== null })),
    setStepChannel: (stepChannel) => set({ stepChannel }),
    setDayPickerOpen: (dayPickerOpen) => set({ dayPickerOpen }),
    setConnectOpen: (connectOpen) => set({ connectOpen }),
    setSweepOpen: (sweepOpen) => set({ sweepOpen }),
    setRulesOpen: (rulesOpen) => set({ rulesOpen }),
    showCorrelation: (correlation) => set({ correlation }),
    notify: (text, tone = 'info', progress) => {
      const id = nextNotice++;
      set({ notice: { id, text, tone, ...(progress !== undefined ? { progress } : {}) } });
      return id;
    },
    updateNotice: (id, patch) => {
      const notice = get().notice;
      if (notice?.id === id) set({ notice: { ...notice, ...patch } });
    },
    setLoading: (loading) => set({ loading }),
    setHistoryLoad: (historyLoad) => set({ historyLoad }),
    openInSql: (text) => set((s) => ({ sqlDraft: text, hidden: withoutKey(s.hidden, 'sql') })),
    takeSqlDraft: () => {
      const draft = get().sqlDraft;
      if (draft !== null) set({ sqlDraft: null });
      return draft;
    },
  }));
  if (remember) {
    let last: Preferences | null = null;
    store.subscribe((s) => {
      const preferences: Preferences = { zone: s.zone, hidden: s.hidden, layout: s.layout, stepChannel: s.stepChannel };
      if (last && last.zone === s.zone && last.hidden === s.hidden && last.layout === s.layout && last.stepChannel === s.stepChannel) return;
      last = preferences;
      savePersisted(PREFERENCES_KEY, preferences);
    });
  }
  return store;
}

function withoutKey<K extends string>(record: Readonly<Partial<Record<K, true>>>, key: K): Partial<Record<K, true>> {
  const copy = { ...record };
  delete copy[key];
  return copy;
}
