/**
 * V8 flags of the recorder and demo-day utility processes (Electron-free, so the journal bench can
 * start its live-loop child the same way). A larger young generation: at 20k events/s what stalls
 * the live loop is scavenging the events still held by the ring buffers and the writer's queue, and
 * a 64 MiB semi-space scavenges several times less often. `npm run bench -- journal` prints the
 * live loop's event-loop delay p99 with and without it.
 */
export const UTILITY_PROCESS_EXEC_ARGV: readonly string[] = ['--max-semi-space-size=64'];
