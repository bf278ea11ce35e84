// Package feed serves hsi-top's snapshots over HTTP: the WebSocket feed that the
// existing React page consumes (GET /ws/system), the REST endpoints beside it
// (/api/system/performance, /api/system/performance/history), /healthz and /metrics.
// contract.md §3 and §4 are the specification; this package is a drop-in replacement
// for the backend's own broadcaster.
//
// # WebSocket feed
//
// On connect a client gets one system_status frame at once; then every FeedInterval
// (5 s, independent of the collection interval, because the page's 60-point buffers
// assume it) a system_status followed by a performance_update, both built from the
// newest snapshot. Every PingInterval (30 s) the server sends {"type":"ping"}. The
// server answers {"type":"ping"} and the raw text "ping" with {"type":"pong"}; accepts
// and ignores pong, subscribe and unsubscribe; and answers anything else with an error
// frame (invalid_json, invalid_message_format, unknown_message_type) while keeping the
// connection. A client that sends nothing for IdleTimeout is closed with 1000
// "Idle timeout"; a client frame over 64 KiB closes the connection with 1009.
//
// # Fan-out
//
// One hub goroutine owns the cadence. Each tick it encodes the two frames once (cached
// per snapshot, so REST and newly connected clients reuse the same bytes) and offers
// the same []byte to every client's bounded queue without blocking. A client whose
// queue is full cannot keep up: it is disconnected at once and logged once, never
// waited for, so neither the hub nor the collector ever blocks on a client. Each
// connection's kernel send buffer is fixed (64 KiB by default) so that a client that
// stopped reading fills it, and then its queue, within a bounded number of ticks
// instead of pinning megabytes of kernel memory first. Each
// client has one writer (the HTTP handler goroutine, draining its queue) and one reader
// goroutine. Frames are never compressed, so the shared bytes go to the socket as they
// are.
//
// # system_status derivation
//
// Frames and REST carry the page's wire encoding, wire.Page: the page rules of
// wire/pagerules.go applied (contract.md §3b). system_status is derived from the snapshot
// by wire.Status:
//   - gpu.utilization and gpu.temperature are the primary GPU's; gpu.memory_used and
//     gpu.memory_total are MB (MiB), from NVML's byte counts when known, else from the
//     GiB figures; gpu.inference_fps is throughput.images_per_min/60 (null when unknown).
//   - cameras comes from the System Overview numbers, queue.pending is the detection
//     queue depth and queue.processing the analysis queue depth.
//   - ai.<detector_key> and ai.nemotron are the two model statuses; ai.status is
//     healthy when both are healthy, unhealthy when neither is healthy or loading, and
//     degraded otherwise.
//   - health is unhealthy when the collector has stalled (the newest snapshot is older
//     than three collection intervals), when a critical worker (detection_worker,
//     analysis_worker) is known to be stopped, or when two or more service rows are
//     down (unhealthy or unreachable, as the container_health rule counts them: its
//     critical level); degraded when one service row is down, a critical alert is
//     active, or no snapshot exists yet; healthy otherwise. Warning alerts and
//     starting services (an LLM loading its model) do not lower health.
//
// # Security
//
// The default address is 127.0.0.1:8089; a listener reachable from other machines
// without an API key logs a warning at start. With serve.api_key set, the socket needs
// ?api_key=KEY, a Sec-WebSocket-Protocol entry api-key.KEY, an X-API-Key header or
// Authorization: Bearer KEY on the upgrade (the headers are what a reverse proxy adds for
// the page, which can present no key itself), and REST (not /healthz) needs ?api_key=,
// X-API-Key or Authorization: Bearer. Keys are compared in constant time (over their
// SHA-256, so the length does not leak either). A socket offering an api-key.*
// subprotocol always has it echoed, so that a browser completes the handshake and sees
// the 1008 close of a wrong key instead of a failed handshake. A missing or wrong key is
// accepted and then closed with 1008 and the reason while the address has failures left
// in its allowance (RateLimitPerMinute, shared with REST's wrong keys); after that it is
// refused before the upgrade with 429, cheaply, until the allowance comes back. The log
// gets one line per address and minute for these, counting the attempts in between. A
// client past the per-IP connection rate limit (token bucket, RateLimitPerMinute a
// minute, 0 disables it) is closed with 1008. At most MaxConnections sockets are open at
// once (256 by default): the next is closed with 1013 "Too many connections", and past
// twice the cap a socket is refused with 503 before the upgrade. Browser origins are
// checked before the upgrade (403): an Origin whose host name equals the request's host
// name (any port, so a page on :5173 may read a feed on :8089 of the same box) is
// allowed, and so is any origin matching AllowedOrigins (path.Match patterns; with "://"
// they match scheme://host:port, without it host:port). Clients without an Origin header
// are not browsers and are not checked. Forwarding headers count only from
// serve.trusted_proxies (IPs and CIDR ranges, none by default): then the per-IP limits
// count the right-most X-Forwarded-For address that is not a trusted proxy (or X-Real-IP);
// from any other peer, loopback included, they are ignored. Request URLs are logged as
// their path and their query with every credential-looking value and every value holding
// a configured secret (the API key, Options.Secrets) replaced by ***; subprotocols are not
// logged at all.
//
// # /metrics
//
// /metrics is written by hand in the Prometheus text exposition format 0.0.4 rather
// than with prometheus/client_golang: every value is already in the immutable snapshot,
// so a custom collector would only copy it into client_golang's registry on each scrape,
// and the library (with its protobuf and client_model dependencies) is not otherwise
// needed by hsi-top. The writer emits HELP and TYPE lines for every family, groups each
// family's samples, escapes label values and HELP text as the format requires, omits
// unknown numbers (a missing sample, never a fake 0), and uses base units: ratios
// 0..1, seconds, bytes, per-second rates.
//
// # Shutdown
//
// When the context given to Serve ends, the listener closes, every socket gets a 1001
// close frame, and Serve returns once every connection has ended; a peer that does not
// answer the close handshake within ShutdownGrace (1.5 s) is cut, so shutdown takes
// under 2 s.
package feed
