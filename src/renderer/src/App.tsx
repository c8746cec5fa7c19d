/**
 * The window: header, timeline, then three columns — L2 depth on the left; price, market vs nowcast
 * and nowcast stacked in the middle; world, inputs and health on the right — with the SQL console
 * below when open. Every panel can be hidden (Panels menu), the columns and the middle panels are
 * resized by dragging the splitters between them (or with the arrow keys on a focused splitter),
 * and the layout is remembered. Down to 1280×720 everything stays reachable: the header wraps and
 * the side columns scroll.
 */
import { Fragment, useEffect, useRef, type ReactNode } from 'react';
import { useApp, useUi } from './app-context';
import { ConnectDialog } from './components/ConnectDialog';
import { CorrelationDialog } from './components/CorrelationDialog';
import { DamageBanner } from './components/DamageBanner';
import { DayPicker } from './components/DayPicker';
import { Header } from './components/Header';
import { SweepDialog } from './components/SweepDialog';
import { RulesDialog } from './components/RulesDialog';
import { Splitter } from './components/Splitter';
import { StatusBar } from './components/StatusBar';
import { Timeline } from './components/Timeline';
import { handleKey } from './keyboard';
import { useMenuCommands } from './menu';
import { DepthPanel } from './panels/DepthPanel';
import { HealthPanel } from './panels/HealthPanel';
import { InputsPanel } from './panels/InputsPanel';
import { NowcastPanel } from './panels/NowcastPanel';
import { PricePanel } from './panels/PricePanel';
import { ProbabilityPanel } from './panels/ProbabilityPanel';
import { SqlConsole } from './panels/SqlConsole';
import { WorldPanel } from './panels/WorldPanel';
import { useMomentInUrl } from './session/moment';
import { CENTER_PANELS, COLUMN_MAX_PX, COLUMN_MIN_PX, type CenterPanel } from './store/ui-store';

const CENTER: Record<CenterPanel, () => ReactNode> = {
  price: () => <PricePanel />,
  probability: () => <ProbabilityPanel />,
  nowcast: () => <NowcastPanel />,
};

export function App() {
  const { controller, ui } = useApp();
  const hidden = useUi((s) => s.hidden);
  const layout = useUi((s) => s.layout);
  const center = useRef<HTMLDivElement>(null);
  useMenuCommands();
  useMomentInUrl();

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => handleKey(e, controller, ui);
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [controller, ui]);

  const clampColumn = (px: number) => Math.min(COLUMN_MAX_PX, Math.max(COLUMN_MIN_PX, px));
  const rightEmpty = hidden.world && hidden.health && hidden.inputs;
  const centerShown = CENTER_PANELS.filter((p) => !hidden[p]);
  const columns = [!hidden.depth && `minmax(200px, ${layout.leftPx}px)`, !hidden.depth && '6px', 'minmax(360px, 1fr)', !rightEmpty && '6px', !rightEmpty && `minmax(200px, ${layout.rightPx}px)`];

  /** Dragging the splitter under `above` moves height from the panel below it to it. */
  const resizeCenter = (above: CenterPanel, below: CenterPanel, deltaPx: number) => {
    const height = center.current?.clientHeight ?? 0;
    const shares = layout.center;
    const total = centerShown.reduce((n, p) => n + shares[p], 0);
    if (height <= 0 || total <= 0) return;
    const delta = (deltaPx / height) * total;
    const min = total * 0.08;
    const a = Math.max(min, shares[above] + delta);
    const b = Math.max(min, shares[below] - (a - shares[above]));
    ui.getState().setLayout({ center: { ...shares, [above]: shares[above] + shares[below] - b, [below]: b } });
  };

  return (
    <div className="app" style={{ gridTemplateRows: `auto auto auto minmax(0, 1fr) ${hidden.sql ? '' : `min(${layout.sqlPx}px, 45vh)`} auto` }}>
      <Header />
      <Timeline />
      <DamageBanner />
      <main className="main" data-testid="main" style={{ gridTemplateColumns: columns.filter(Boolean).join(' ') }}>
        {!hidden.depth && (
          <>
            <DepthPanel />
            <Splitter direction="columns" label="Resize the depth column" onMove={(d) => ui.getState().setLayout({ leftPx: clampColumn(layout.leftPx + d) })} />
          </>
        )}
        <div className="area-center" ref={center}>
          {centerShown.length === 0 && <div className="empty">Every middle panel is hidden (Panels menu).</div>}
          {centerShown.map((p, i) => (
            <Fragment key={p}>
              {i > 0 && <Splitter direction="rows" label={`Resize ${centerShown[i - 1]} and ${p}`} onMove={(d) => resizeCenter(centerShown[i - 1]!, p, d)} />}
              <div className="center-slot" style={{ flexGrow: layout.center[p] }}>
                {CENTER[p]()}
              </div>
            </Fragment>
          ))}
        </div>
        {!rightEmpty && (
          <>
            <Splitter direction="columns" label="Resize the right column" onMove={(d) => ui.getState().setLayout({ rightPx: clampColumn(layout.rightPx - d) })} />
            <div className="area-right">
              {!hidden.world && <WorldPanel />}
              {!hidden.inputs && <InputsPanel />}
              {!hidden.health && <HealthPanel />}
            </div>
          </>
        )}
      </main>
      {!hidden.sql && (
        <div className="sql-area">
          <Splitter direction="rows" label="Resize the SQL console" onMove={(d) => ui.getState().setLayout({ sqlPx: Math.min(2000, Math.max(120, layout.sqlPx - d)) })} />
          <SqlConsole />
        </div>
      )}
      <StatusBar />
      <DayPicker />
      <ConnectDialog />
      <SweepDialog />
      <RulesDialog />
      <CorrelationDialog />
    </div>
  );
}
