/** Colours shared by CSS-less drawing (SVG timeline, charts) so they match the stylesheet. */
import type { WindowReason } from '../../shared/schemas';

export const COLORS = {
  bg: '#0b0e13',
  panel: '#11151c',
  grid: '#1b212b',
  border: '#232b36',
  text: '#c9d1d9',
  dim: '#7d8590',
  accent: '#3fb6ff',
  bid: '#2fbf71',
  ask: '#f0555a',
  mid: '#e6edf3',
  micro: '#d2a8ff',
  warn: '#f2b84b',
  metar: '#58a6ff',
  shock: '#ff7b72',
  gap: '#ff4d4f',
  resync: '#e3b341',
  loaded: '#2d6a4f',
  cursor: '#ffd866',
} as const;

export const WINDOW_COLORS: Record<WindowReason, string> = {
  METAR: '#1f6feb',
  QC: '#8957e5',
  MID_SHOCK: '#da3633',
  SPREAD_REGIME: '#bb8009',
  DEPTH_CLIFF: '#db6d28',
  MANUAL: '#6e7681',
};
