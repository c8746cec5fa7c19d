/**
 * Raw records → source messages: the one place the real connectors' parsers are applied, live and
 * when a capture is played back, so both yield the same messages at the same instants. Stateful
 * only where the upstream needs it: METAR polls repeat the last hours, so the decoder remembers
 * which reports it has delivered (a replay rebuilds the same memory from the same records).
 */
import { parseIngestMessage, type IngestReply } from './ingest/protocol';
import { parseAwcResponse, parseIemCsv, ReportLog } from './metar/reports';
import { parseBooksResponse } from './polymarket/books';
import { parseClobFrame } from './polymarket/frames';
import { parseGammaEvent } from './polymarket/gamma';
import { PWS_PROVIDERS } from './pws/providers';
import type { RawRecord } from './raw-records';
import type { SourceMessage, SourceRejection, SourceStatus } from './source';

export interface Decoded {
  messages: SourceMessage[];
  rejections: SourceRejection[];
  /** Ingest: the answer for HELIOS. */
  reply?: IngestReply;
  /** CLOB: slugs of `new_market` announcements (hints to re-discover). */
  hints?: string[];
  /** A state change, for `SourceSink.status`. */
  status?: SourceStatus;
}

const ok = (status: number) => status >= 200 && status < 300;

export class RecordDecoder {
  private readonly metars = new ReportLog();

  constructor(private readonly station: string) {}

  decode(record: RawRecord): Decoded {
    const t = record.t;
    const out: Decoded = { messages: [], rejections: [] };
    const reject = (source: string, list: { reason: string; input: unknown }[]) => {
      for (const r of list) out.rejections.push({ source, received_ms: t, reason: r.reason, input: r.input });
    };
    switch (record.src) {
      case 'capture':
        return out;
      case 'clob': {
        if (record.type === 'frame') {
          const frame = parseClobFrame(record.text, t);
          out.messages.push(...frame.messages);
          reject('clob', frame.rejections);
          out.hints = frame.newMarketSlugs;
        } else if (record.type === 'up' || record.type === 'down') {
          out.messages.push({ kind: 'clob_connection', received_ms: t, state: record.type, detail: record.detail });
        }
        return out;
      }
      case 'books': {
        if (!ok(record.status)) return out;
        const books = parseBooksResponse(record.body, t);
        out.messages.push(...books.messages);
        reject('books', books.rejections);
        return out;
      }
      case 'gamma': {
        if (record.type === 'unlist') {
          out.messages.push({ kind: 'market_unlisted', received_ms: t, market_date: record.market_date, detail: record.detail });
          return out;
        }
        if (!ok(record.status)) return out; // 404: not created yet; errors: the discovery retries and reports them
        const event = parseGammaEvent(record.body, record.market_date);
        if (!event.ok) {
          reject('gamma', [{ reason: event.reason, input: record.body }]);
          return out;
        }
        reject('gamma', event.rejected);
        out.messages.push({ kind: 'market_listed', received_ms: t, market: event.market });
        return out;
      }
      case 'metar': {
        if (!ok(record.status)) return out;
        const parsed = record.api === 'awc' ? parseAwcResponse(record.status, record.body) : parseIemCsv(record.body);
        reject(record.api === 'awc' ? 'metar' : 'metar_iem', parsed.rejections);
        for (const r of this.metars.fresh(parsed.reports)) out.messages.push({ kind: 'metar', received_ms: t, raw: r.raw });
        return out;
      }
      case 'pws': {
        const parsed = PWS_PROVIDERS[record.provider].parse(record.responses, this.station);
        reject('pws', parsed.rejections);
        if (parsed.readings.length > 0) out.messages.push({ kind: 'pws', received_ms: t, readings: parsed.readings });
        return out;
      }
      case 'status':
        out.status = { source: record.source, state: record.state, detail: record.detail, at_ms: t };
        return out;
      case 'ingest': {
        const result = parseIngestMessage(record.text, t);
        if (result.ok) out.messages.push(result.message);
        else reject('ingest', [{ reason: result.reason, input: record.text }]);
        out.reply = result.reply;
        return out;
      }
    }
  }
}
