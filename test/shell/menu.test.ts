import type { MenuItemConstructorOptions } from 'electron';
import { describe, expect, it, vi } from 'vitest';
import { MENU_COMMANDS } from '../../src/shared/api';
import { buildMenuTemplate } from '../../src/main/menu';

function flatten(items: MenuItemConstructorOptions[]): MenuItemConstructorOptions[] {
  return items.flatMap((i) => [i, ...(Array.isArray(i.submenu) ? flatten(i.submenu) : [])]);
}

function setup(isMac = false, devTools = false) {
  const actions = { openDataFolder: vi.fn(), revealDataFolder: vi.fn(), setRetentionDaily: vi.fn(), send: vi.fn() };
  const items = flatten(buildMenuTemplate({ isMac, devTools, retentionDaily: false, actions }));
  const click = (label: string, checked = false) => {
    const item = items.find((i) => i.label === label);
    if (!item?.click) throw new Error(`no menu item ${label}`);
    (item.click as (item: { checked: boolean }) => void)({ checked });
  };
  return { actions, items, click };
}

describe('application menu', () => {
  it('opens and reveals the data folder in main', () => {
    const { actions, click } = setup();
    click('Open Data Folder…');
    click('Reveal Data Folder in File Manager');
    expect(actions.openDataFolder).toHaveBeenCalledOnce();
    expect(actions.revealDataFolder).toHaveBeenCalledOnce();
    expect(actions.send).not.toHaveBeenCalled();
  });

  it('turns the daily retention on and off in main', () => {
    const { actions, click, items } = setup();
    expect(items.find((i) => i.label === 'Delete Expired Data Daily')).toMatchObject({ type: 'checkbox', checked: false });
    click('Delete Expired Data Daily', true);
    click('Delete Expired Data Daily', false);
    expect(actions.setRetentionDaily.mock.calls).toEqual([[true], [false]]);
  });

  it('sends the UI-owned actions to the renderer as menu commands', () => {
    const { actions, click } = setup();
    click('Open Day…');
    click('Export Snapshot…');
    click('Open Snapshot…');
    click('Live / Replay');
    click('Depth Panel');
    click('UTC');
    expect(actions.send.mock.calls.map(([c]) => c)).toEqual([
      'open-day',
      'export-snapshot',
      'open-snapshot',
      'toggle-live',
      'toggle-panel:depth',
      'time-zone:utc',
    ]);
  });

  it('can emit every menu command but data-root-changed (sent by main after a switch)', () => {
    const { actions, items } = setup();
    for (const item of items) if (item.click) (item.click as (item: { checked: boolean }) => void)({ checked: true });
    const sent = new Set(actions.send.mock.calls.map(([c]) => c));
    expect([...MENU_COMMANDS].filter((c) => !sent.has(c))).toEqual(['data-root-changed']);
  });

  it('has no duplicate accelerators, and DevTools only in development', () => {
    const { items } = setup();
    const accelerators = items.map((i) => i.accelerator).filter(Boolean);
    expect(new Set(accelerators).size).toBe(accelerators.length);
    expect(items.some((i) => i.role === 'toggleDevTools')).toBe(false);
    expect(setup(false, true).items.some((i) => i.role === 'toggleDevTools')).toBe(true);
  });

  it('follows platform conventions (app menu and Finder on macOS)', () => {
    const mac = setup(true);
    expect(mac.items[0]?.label).toBe('HELIOS Tape');
    expect(mac.items.some((i) => i.label === 'Reveal Data Folder in Finder')).toBe(true);
  });
});
