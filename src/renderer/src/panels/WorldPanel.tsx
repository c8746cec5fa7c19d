/**
 * World: the settlement view (the highest settlement-aligned reading of the local day so far, the
 * bucket it falls in, the buckets it rules out, the resolved bucket once recorded, and the day's
 * rules one click away), the latest METAR (raw, parsed, judge-aligned) and the PWS cluster.
 */
import { useApp, useSession, useUi } from '../app-context';
import { formatAge, formatNumber, formatTime, ZONES } from '../format';
import { marketInfo } from '../market-info';
import { ruledOut } from '../settlement';
import { Panel } from './Panel';
import { QcBadge } from './QcBadge';
import { useBucketTokens } from './tokens';
import { useSettlement } from './useSettlement';
import { ingestMs } from '../../../shared/event-time';

export function WorldPanel() {
  const metar = useSession((s) => s.channels.metar);
  const pws = useSession((s) => s.channels.pws);
  const at = useSession((s) => s.clock?.current_ms ?? s.channels.at_ms);
  const age = (ms: number | null) => (ms !== null && at !== null ? formatAge(at - ms) : '—');
  return (
    <Panel id="world" title="World">
      <SettlementView />
      <div className="section-title">
        METAR {metar && <span className="dim">· obs {age(Date.parse(metar.obs_time_utc))} ago · recv {age(ingestMs(metar))} ago</span>}
      </div>
      {!metar ? (
        <div className="empty">No METAR yet.</div>
      ) : (
        <>
          <div className="metar-raw" data-testid="metar-raw" data-event-id={metar.event_id} data-obs-time={metar.obs_time_utc}>
            {metar.raw}
          </div>
          <div className="world-top">
            <div>
              <div className="dim" style={{ fontSize: 10 }}>judge-aligned</div>
              <div className="judge" data-testid="metar-judge-temp">
                {metar.judge_aligned_temp ?? '—'}°F
              </div>
            </div>
            <dl className="kv" style={{ flex: 1 }}>
              <dt>Temp</dt>
              <dd>
                {formatNumber(metar.temp_c, 0, '°C')}
                {metar.temp_c_precise !== null && <span className="dim"> (T-group {metar.temp_c_precise.toFixed(1)}°C)</span>}
              </dd>
              <dt>Dewpoint</dt>
              <dd>{formatNumber(metar.dewpoint_c, 0, '°C')}</dd>
              <dt>Type · QC</dt>
              <dd>
                {metar.report_type} <QcBadge state={metar.qc} />
              </dd>
            </dl>
          </div>
          <dl className="kv">
            <dt>Wind</dt>
            <dd>
              {metar.wind_dir_deg === null ? 'VRB/calm' : `${String(Math.round(metar.wind_dir_deg)).padStart(3, '0')}°`} {formatNumber(metar.wind_kt, 0, ' kt')}
              {metar.gust_kt !== null && ` G${metar.gust_kt.toFixed(0)}`}
            </dd>
            <dt>Visibility</dt>
            <dd>{formatNumber(metar.visibility_sm, metar.visibility_sm !== null && metar.visibility_sm % 1 !== 0 ? 2 : 0, ' sm')}</dd>
            <dt>Altimeter</dt>
            <dd>{formatNumber(metar.altim_inhg, 2, ' inHg')}</dd>
            <dt>Clouds</dt>
            <dd>{metar.clouds.length === 0 ? '—' : metar.clouds.map((c) => `${c.cover}${c.base_ft !== null ? String(c.base_ft / 100).padStart(3, '0') : ''}`).join(' ')}</dd>
            <dt>Observed</dt>
            <dd>{metar.obs_time_utc.replace('T', ' ').replace(/:00(\.000)?Z$/, 'Z')}</dd>
          </dl>
        </>
      )}
      <div className="section-title">
        PWS cluster {pws && <span className="dim">· obs {age(Date.parse(pws.obs_time_utc))} ago</span>}
      </div>
      {!pws ? (
        <div className="empty">No PWS yet.</div>
      ) : (
        <dl className="kv" data-testid="pws">
          <dt>Median</dt>
          <dd data-testid="pws-median">{pws.median.toFixed(1)}°F</dd>
          <dt>MAD</dt>
          <dd>{pws.mad.toFixed(2)}°F</dd>
          <dt>Support</dt>
          <dd>{pws.support} stations</dd>
          <dt>QC</dt>
          <dd>
            <QcBadge state={pws.qc_state} testId="pws-qc" />
          </dd>
          {pws.pws_ids && (
            <>
              <dt>Stations</dt>
              <dd className="dim" title={pws.pws_ids.join(', ')} style={{ whiteSpace: 'nowrap', overflow: 'hidden', textOverflow: 'ellipsis', fontSize: 10.5 }}>
                {pws.pws_ids.join(' ')}
              </dd>
            </>
          )}
        </dl>
      )}
    </Panel>
  );
}

/** Which bucket wins: the max so far, its bucket, what it rules out, the resolution once known. */
function SettlementView() {
  const { ui } = useApp();
  const zone = useUi((s) => s.zone);
  const manifest = useSession((s) => s.manifest);
  const kind = useSession((s) => s.kind);
  const { max, bucket, complete, knownFrom } = useSettlement();
  const tokens = useBucketTokens();
  const winner = marketInfo(manifest).winner;
  const out = tokens.filter((t) => ruledOut(t.bucket, max?.temp ?? null));
  return (
    <div className="settlement" data-testid="settlement">
      <div className="section-title">
        Settlement
        <button className="link" data-testid="open-rules" onClick={() => ui.getState().setRulesOpen(true)} title="The day’s settlement rules as recorded">
          rules
        </button>
      </div>
      <div className="world-top">
        <div>
          <div className="dim" style={{ fontSize: 10 }}>max so far</div>
          <div className="judge" data-testid="max-so-far" data-temp={max?.temp ?? ''} data-event-id={max?.event_id ?? ''}>
            {max ? `${max.temp}°F` : '—'}
          </div>
        </div>
        <dl className="kv" style={{ flex: 1 }}>
          <dt>Bucket</dt>
          <dd className="strong" data-testid="max-bucket">
            {bucket ?? (max ? 'no bucket holds it' : '—')}
          </dd>
          <dt>Set</dt>
          <dd title={max?.raw}>{max ? `${formatTime(max.at_ms, zone)} ${ZONES[zone].label} · ${max.readings} reading${max.readings === 1 ? '' : 's'}` : 'no METAR yet today'}</dd>
          <dt>Resolved</dt>
          <dd data-testid="resolved-bucket" className={winner ? 'strong' : 'dim'}>
            {winner ?? 'not yet (or not recorded)'}
          </dd>
        </dl>
      </div>
      {out.length > 0 && (
        <div className="dim ruled-out" data-testid="ruled-out">
          ruled out: {out.map((t) => t.bucket).join(', ')}
        </div>
      )}
      {!complete && (
        <div className="dim" style={{ fontSize: 10.5 }}>
          {knownFrom !== null
            ? `from the METARs seen since ${formatTime(knownFrom, zone)} only`
            : kind === 'replay'
              ? 'from the METARs played so far (the day’s history is loading)'
              : 'from the METARs received since this window opened'}
        </div>
      )}
    </div>
  );
}
