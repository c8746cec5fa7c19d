import { describe, expect, it } from 'vitest';
import { parseMetarReport, resolveObsTime } from '../../src/shared/metar';

const received = Date.parse('2026-01-29T17:53:02Z');

describe('METAR parsing', () => {
  it('parses a KLGA METAR with T-group into the metar_obs fields', () => {
    const m = parseMetarReport(
      'METAR KLGA 291751Z 31012G20KT 10SM FEW045 SCT250 M02/M12 A3012 RMK AO2 SLP199 T10221122',
      received,
    );
    expect(m).toEqual({
      station_id: 'KLGA',
      report_type: 'METAR',
      raw: 'METAR KLGA 291751Z 31012G20KT 10SM FEW045 SCT250 M02/M12 A3012 RMK AO2 SLP199 T10221122',
      obs_time_utc: '2026-01-29T17:51:00.000Z',
      temp_c: -2,
      dewpoint_c: -12,
      wind_dir_deg: 310,
      wind_kt: 12,
      gust_kt: 20,
      visibility_sm: 10,
      altim_inhg: 30.12,
      clouds: [
        { cover: 'FEW', base_ft: 4500 },
        { cover: 'SCT', base_ft: 25000 },
      ],
      temp_c_precise: -2.2,
      judge_aligned_temp: 28,
    });
  });

  it('recognizes a SPECI, variable wind and no T-group', () => {
    const m = parseMetarReport('SPECI KLGA 291812Z VRB03KT 2 1/2SM BR OVC008 01/M01 A3005 RMK AO2', received + 20 * 60_000);
    expect(m.report_type).toBe('SPECI');
    expect(m.wind_dir_deg).toBeNull();
    expect(m.wind_kt).toBe(3);
    expect(m.visibility_sm).toBe(2.5);
    expect(m.temp_c_precise).toBeNull();
    expect(m.judge_aligned_temp).toBe(34); // 1 °C = 33.8 °F
  });

  it('places a METAR from the previous month (received just after midnight UTC on the 1st)', () => {
    expect(new Date(resolveObsTime(31, 23, 51, Date.parse('2026-02-01T00:02:00Z'))).toISOString()).toBe(
      '2026-01-31T23:51:00.000Z',
    );
  });

  it('refuses text that is not a METAR, saying what it got', () => {
    expect(() => parseMetarReport('hello world', received)).toThrow(/not a METAR\/SPECI report .*"hello world"/);
    expect(() => parseMetarReport('KLGA 2917', received)).toThrow(/not a METAR/);
    expect(() => parseMetarReport('GARBAGE 12', received)).toThrow(/not a METAR/);
  });

  it('accepts the header variants a feed sends: bare, METAR/SPECI prefixed, corrected', () => {
    expect(parseMetarReport('KLGA 291751Z 31012KT 10SM M02/M12 A3012', received).temp_c).toBe(-2);
    expect(parseMetarReport('METAR COR KLGA 291751Z 31012KT 10SM M02/M12 A3012', received).temp_c).toBe(-2);
  });
});
