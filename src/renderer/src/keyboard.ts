/**
 * Keyboard: Space play/pause, ←/→ step 1 s (Shift: 10 s), . / , next/previous event of the step
 * channel, D / Shift+D next/previous delta of the selected token, M / W / S (Shift: previous)
 * METAR, window, shock, 1–5 speeds, + / − / 0 timeline zoom, I / O selection start/end at the
 * cursor, L loop the selection, Esc clear it. Ignored while typing in a field (the SQL console).
 */
import type { SessionController } from './session/controller';
import { selectedTokenNow } from './panels/tokens';
import { zoomView } from './timeline-view';
import type { UiStore } from './store/ui-store';

export interface KeyLike {
  key: string;
  code?: string;
  shiftKey: boolean;
  ctrlKey: boolean;
  metaKey: boolean;
  altKey: boolean;
  target: EventTarget | null;
  preventDefault(): void;
}

export const SHORTCUTS: ReadonlyArray<readonly [string, string]> = [
  ['Space', 'play / pause'],
  ['← / →', 'step 1 s back / forward (Shift: 10 s)'],
  [', / .', 'previous / next event of the step channel'],
  ['D / Shift+D', 'next / previous delta of the selected token'],
  ['M / Shift+M', 'next / previous METAR'],
  ['W / Shift+W', 'next / previous event window'],
  ['S / Shift+S', 'next / previous shock'],
  ['1 – 5', 'speed 1×, 5×, 10×, 60×, 600×'],
  ['+ / − / 0', 'zoom the timeline in / out / whole day'],
  ['I / O', 'selection starts / ends at the cursor'],
  ['L', 'loop the selection'],
  ['Esc', 'clear the selection'],
];

function isTyping(target: EventTarget | null): boolean {
  const el = target as { tagName?: string; isContentEditable?: boolean } | null;
  return !!el && (el.tagName === 'INPUT' || el.tagName === 'TEXTAREA' || el.tagName === 'SELECT' || el.isContentEditable === true);
}

/** Handles one key press; true when it was a shortcut. */
export function handleKey(e: KeyLike, controller: SessionController, ui: UiStore, session = controller.sessionState()): boolean {
  if (e.ctrlKey || e.metaKey || e.altKey || isTyping(e.target)) return false;
  const dir: 1 | -1 = e.shiftKey ? -1 : 1;
  const key = e.key.length === 1 ? e.key.toLowerCase() : e.key;
  const cursor = session.clock?.current_ms ?? null;
  const range: [number, number] | null = session.clock?.start_ms != null && session.clock.end_ms != null ? [session.clock.start_ms, session.clock.end_ms] : null;
  switch (key) {
    case ' ':
      controller.togglePlay();
      break;
    case 'ArrowLeft':
      controller.stepSeconds(-1, e.shiftKey ? 10 : 1);
      break;
    case 'ArrowRight':
      controller.stepSeconds(1, e.shiftKey ? 10 : 1);
      break;
    case '.':
    case ',':
      void controller.stepEvent(key === '.' ? 1 : -1);
      break;
    case 'd': {
      const token = selectedTokenNow(ui.getState().selectedToken, session);
      if (token) void controller.stepEvent(dir, { channel: 'l2_deltas', token });
      break;
    }
    case 'm':
      controller.jump('metar', dir);
      break;
    case 'w':
      controller.jump('window', dir);
      break;
    case 's':
      controller.jump('shock', dir);
      break;
    case '+':
    case '=':
    case '-':
    case '0':
      if (!range) return false;
      ui.getState().setView(key === '0' ? null : zoomView(ui.getState().view, range, cursor, key === '-' ? 2 : 0.5));
      break;
    case 'i':
    case 'o': {
      if (cursor === null) return false;
      const s = ui.getState().selection;
      const from = key === 'i' ? cursor : Math.min(s?.from ?? range?.[0] ?? cursor, cursor);
      const to = key === 'o' ? cursor : Math.max(s?.to ?? range?.[1] ?? cursor, cursor);
      if (to > from) ui.getState().setSelection({ from, to });
      break;
    }
    case 'l':
      ui.getState().setLoop(!ui.getState().loop);
      break;
    case 'Escape':
      if (!ui.getState().selection) return false;
      ui.getState().setSelection(null);
      break;
    default: {
      const digit = /^Digit([1-5])$/.exec(e.code ?? '')?.[1] ?? (/^[1-5]$/.test(key) ? key : null);
      if (!digit) return false;
      controller.setSpeedIndex(Number(digit) - 1);
    }
  }
  e.preventDefault();
  return true;
}
