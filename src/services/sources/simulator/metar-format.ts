/**
 * Encodes an observation as a US METAR/SPECI string the way an ASOS at a staffed airport writes it,
 * e.g. `METAR KLGA 291751Z 31012G20KT 10SM FEW045 SCT250 M02/M12 A3012 RMK AO2 SLP199 T10221122`.
 */

export interface SkyLayer {
  cover: 'FEW' | 'SCT' | 'BKN' | 'OVC';
  baseFt: number;
}

export interface ReportFields {
  type: 'METAR' | 'SPECI';
  station: string;
  obsMs: number;
  windDir: number;
  windKt: number;
  gustKt: number | null;
  variable: boolean;
  visSm: number;
  /** 0 none, 1 rain, 2 snow. */
  precip: 0 | 1 | 2;
  /** Inches per hour, decides light / moderate. */
  precipRate: number;
  showery: boolean;
  sky: SkyLayer[];
  tempTenthsC: number;
  dewTenthsC: number;
  slpHpa: number;
  /** Precipitation since the last hourly report in inches; negative when there was none. */
  precipInches: number;
  /** Start of a frontal wind shift to announce in remarks (WSHFT hhmm). */
  windShiftAtMs: number | null;
}

const pad = (n: number, width: number) => String(n).padStart(width, '0');

function windGroup(f: ReportFields): string {
  if (f.windKt < 3) return '00000KT'; // ASOS reports under 3 kt as calm
  const speed = pad(Math.min(99, f.windKt), 2);
  if (f.variable) return `VRB${speed}KT`;
  const dir = f.windDir === 0 ? 360 : f.windDir;
  return `${pad(dir, 3)}${speed}${f.gustKt !== null ? `G${pad(f.gustKt, 2)}` : ''}KT`;
}

const VIS_STEPS: [number, string][] = [
  [10, '10SM'],
  [9, '9SM'],
  [8, '8SM'],
  [7, '7SM'],
  [6, '6SM'],
  [5, '5SM'],
  [4, '4SM'],
  [3, '3SM'],
  [2.5, '2 1/2SM'],
  [2, '2SM'],
  [1.75, '1 3/4SM'],
  [1.5, '1 1/2SM'],
  [1.25, '1 1/4SM'],
  [1, '1SM'],
  [0.75, '3/4SM'],
  [0.5, '1/2SM'],
  [0.25, '1/4SM'],
];

function visibilityGroup(vis: number): string {
  for (const [limit, text] of VIS_STEPS) if (vis >= limit) return text;
  return 'M1/4SM';
}

function weatherGroup(f: ReportFields): string {
  const out: string[] = [];
  if (f.precip) {
    const intensity = f.precipRate < 0.1 ? '-' : f.precipRate < 0.3 ? '' : '+';
    out.push(`${intensity}${f.showery ? 'SH' : ''}${f.precip === 2 ? 'SN' : 'RA'}`);
  }
  if (f.visSm < 7) {
    // Mist/fog when humid, haze otherwise; fog only below 5/8 SM, as the rules say.
    const dry = f.tempTenthsC - f.dewTenthsC > 40;
    out.push(f.visSm < 0.625 && !f.precip ? 'FG' : dry && !f.precip ? 'HZ' : 'BR');
  }
  return out.join(' ');
}

function heightCode(ft: number): string {
  const hundreds = ft <= 5000 ? Math.round(ft / 100) : ft <= 10_000 ? Math.round(ft / 500) * 5 : Math.round(ft / 1000) * 10;
  return pad(Math.max(0, hundreds), 3);
}

function skyGroup(layers: SkyLayer[]): string {
  if (layers.length === 0) return 'CLR';
  return layers.map((l) => `${l.cover}${heightCode(l.baseFt)}`).join(' ');
}

function tempCode(tenths: number): string {
  // Whole degrees from tenths, half away from zero; minus as "M" (M00 for -0.4).
  const whole = Math.floor((Math.abs(tenths) + 5) / 10);
  return `${tenths < 0 ? 'M' : ''}${pad(whole, 2)}`;
}

function tGroup(tenths: number): string {
  return `${tenths < 0 ? 1 : 0}${pad(Math.abs(tenths), 3)}`;
}

export function formatReport(f: ReportFields): string {
  const t = new Date(f.obsMs);
  const time = `${pad(t.getUTCDate(), 2)}${pad(t.getUTCHours(), 2)}${pad(t.getUTCMinutes(), 2)}Z`;
  const altimeter = Math.round((f.slpHpa / 33.8639) * 100);
  const remarks = ['RMK', 'AO2'];
  if (f.windShiftAtMs !== null) {
    const s = new Date(f.windShiftAtMs);
    remarks.push(`WSHFT ${pad(s.getUTCHours(), 2)}${pad(s.getUTCMinutes(), 2)}`);
  }
  if (f.type === 'METAR') remarks.push(`SLP${pad(Math.round(f.slpHpa * 10) % 1000, 3)}`);
  if (f.precipInches >= 0) remarks.push(`P${pad(Math.round(f.precipInches * 100), 4)}`);
  remarks.push(`T${tGroup(f.tempTenthsC)}${tGroup(f.dewTenthsC)}`);
  return [
    f.type,
    f.station,
    time,
    windGroup(f),
    visibilityGroup(f.visSm),
    weatherGroup(f),
    skyGroup(f.sky),
    `${tempCode(f.tempTenthsC)}/${tempCode(f.dewTenthsC)}`,
    `A${pad(altimeter, 4)}`,
    ...remarks,
  ]
    .filter((g) => g.length > 0)
    .join(' ');
}
