/**
 * The embedded default source: a deterministic, realistic KLGA day.
 *
 * Public API (stable; the recorder and CLI depend on it):
 *
 * - `simulateDay(options): Generator<SourceMessage>` — the whole stream of one station-local day
 *   (or `[from, to)` of it), lazily, in non-decreasing `received_ms`. Same options → identical
 *   stream. Options: `station` (default KLGA), `date` (YYYY-MM-DD, station-local; defaults to the
 *   local date of `from`), `seed` (default 1), `tokens` (6–12, default 8), `from`, `to` (UTC ms).
 *   A stream from `from` is the full-day stream restricted to `[from, to)`, except that it begins
 *   with a connect (`clob_connection` up + one `book` per token), as a client joining then would,
 *   and with what the METAR and PWS pollers' first polls return at `from`: the latest METAR and
 *   the latest PWS readings (so a stream, even the whole day's, never starts with an empty world).
 *   No `requestBook` here: for a fast whole-day recording that resyncs, use
 *   `new SimulatorSource({ date, speed: Infinity })`.
 * - `simulatedMarket(options): SimulatedMarket` — the `SourceScope` (station, tokens with bucket
 *   labels and market ids) those options produce, plus `date`, `seed`, `title`, `buckets`.
 * - `SimulatorSource implements Source` — the same stream paced against a virtual clock:
 *   `{ speed = 1 (virtual ms per wall ms; Infinity = as fast as possible), start = wall now
 *   (virtual UTC ms; or the start of `date`), date, to, station, seed, tokens, scheduler }`.
 *   `now()` / `clock.now()` give virtual time; `requestBook(token)` answers 80–300 virtual ms later
 *   with a `clob_rest_book` of the true current book; `stop()` resolves once nothing more will be
 *   pushed; `finished` resolves when the day (or `to`) is exhausted. A source covers one local day:
 *   past local midnight, start a new one (the next day is a new market with new tokens).
 * - `clock` is a `Clock` (services/clock.ts) in virtual epoch ms; `scheduler` an injectable `Scheduler`.
 *
 * What the stream contains (see the modules for the models):
 * - `clob`: Polymarket market-channel JSON exactly as sent (decimal strings): `book` (levels
 *   worst-to-best: bids ascending, asks descending, as the venue sends them) on connect and after
 *   each reconnect; `price_change` batches with the asset's post-batch `best_bid`/`best_ask`;
 *   `last_trade_price`; `tick_size_change` when a price goes below ~0.04 or above ~0.96
 *   (and back). Occasionally one
 *   BBO-moving `price_change` is never sent (a gap the recorder's BBO check must catch), and 1–3
 *   times a day the connection drops (`clob_connection` down, a few seconds of nothing, up, fresh
 *   `book`s).
 * - `metar`: raw METAR at :51 UTC each hour plus SPECIs (wind shift, visibility, ceiling), received
 *   70–180 s after the observation, with `RMK AO2 [SLP…] T…` remarks.
 * - `pws`: every 2–5 s, each online station's latest reading (°F) with its own obs time; includes
 *   outlier stations (several °F off for 20–70 min), stale and offline stations, a feed outage.
 * - `features` and `nowcast`: each minute, from the simulated model (see model.ts/features.ts).
 *
 * Generated with seeded PRNG streams only (no Math.random, no Date.now in the generator).
 */
export { simulateDay, simulatedMarket, type SimulateDayOptions } from './simulate-day';
export { SimulatorSource, type SimulatorSourceOptions } from './simulator-source';
export { bucketIndexOf, type Bucket, type SimulatedMarket } from './market';
