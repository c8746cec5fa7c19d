/**
 * The Host/Origin rule of the local servers (the browser bridge, `helios serve` on a loopback
 * address): a request must name the server in Host, and a browser's Origin, when sent, must be the
 * server's own. Another web page can then reach neither server, through DNS rebinding (wrong Host)
 * nor by a cross-site request (wrong Origin).
 */
import type { IncomingMessage } from 'node:http';

/** `hostNames` are the names the server answers to; `port()` its port (known once listening). */
export function sameOriginCheck(hostNames: readonly string[], port: () => number): (req: IncomingMessage) => boolean {
  return (req) => {
    const hosts = hostNames.map((name) => `${name}:${port()}`);
    if (!hosts.includes(req.headers.host ?? '')) return false;
    const origin = req.headers.origin;
    return origin === undefined || hosts.some((h) => origin === `http://${h}`);
  };
}
