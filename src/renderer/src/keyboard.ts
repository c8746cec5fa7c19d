/**
 * Keyboard: Space play/pause, ←/→ step 1 s (Shift: 10 s), M / Shift+M next/previous METAR,
 * W / Shift+W next/previous window, S / Shift+S next/previous shock, 1–5 speeds.
 * Ignored while typing in a field (the SQL console).
 */
import type { SessionController } from './session/controller';

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
  ['M / Shift+M', 'next / previous METAR'],
  ['W / Shift+W', 'next / previous event window'],
  ['S / Shift+S', 'next / previous shock'],
  ['1 – 5', 'speed 1×, 5×, 10×, 60×, 600×'],
];

function isTyping(target: EventTarget | null): boolean {
  const el = target as { tagName?: string; isContentEditable?: boolean } | null;
  return !!el && (el.tagName === 'INPUT' || el.tagName === 'TEXTAREA' || el.tagName === 'SELECT' || el.isContentEditable === true);
}

/** Handles one key press; true when it was a shortcut. */
export function handleKey(e: KeyLike, controller: SessionController): boolean {
  if (e.ctrlKey || e.metaKey || e.altKey || isTyping(e.target)) return false;
  const dir: 1 | -1 = e.shiftKey ? -1 : 1;
  const key = e.key.length === 1 ? e.key.toLowerCase() : e.key;
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
    case 'm':
      controller.jump('metar', dir);
      break;
    case 'w':
      controller.jump('window', dir);
      break;
    case 's':
      controller.jump('shock', dir);
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
