import { useEffect } from 'react';
import { useApp, useUi } from './app-context';
import { DayPicker } from './components/DayPicker';
import { Header } from './components/Header';
import { SweepDialog } from './components/SweepDialog';
import { StatusBar } from './components/StatusBar';
import { Timeline } from './components/Timeline';
import { handleKey } from './keyboard';
import { DepthPanel } from './panels/DepthPanel';
import { HealthPanel } from './panels/HealthPanel';
import { InputsPanel } from './panels/InputsPanel';
import { NowcastPanel } from './panels/NowcastPanel';
import { PricePanel } from './panels/PricePanel';
import { SqlConsole } from './panels/SqlConsole';
import { WorldPanel } from './panels/WorldPanel';
import { useMenuCommands } from './menu';

export function App() {
  const { controller } = useApp();
  const hidden = useUi((s) => s.hidden);
  useMenuCommands();

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => handleKey(e, controller);
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [controller]);

  const rightEmpty = hidden.world && hidden.health && hidden.inputs;
  return (
    <div className="app">
      <Header />
      <Timeline />
      <main className="main" data-testid="main">
        {!hidden.depth && <DepthPanel />}
        {!hidden.price && <PricePanel />}
        {!hidden.nowcast && <NowcastPanel />}
        {!rightEmpty && (
          <div className="area-right">
            {!hidden.world && <WorldPanel />}
            {!hidden.inputs && <InputsPanel />}
            {!hidden.health && <HealthPanel />}
          </div>
        )}
      </main>
      {!hidden.sql ? <SqlConsole /> : <div />}
      <StatusBar />
      <DayPicker />
      <SweepDialog />
    </div>
  );
}
