// Package wire is the page's wire encoding of a snapshot: the one place where hsi-top's
// base units (bytes, seconds, unrounded percentages) become the units and rounding the
// web page expects (GB, MB, one or two decimals), and where the page's key names live.
//
// The WebSocket frames (performance_update, system_status), the REST endpoints
// (/api/system/performance and its history points) and `--once --json` all encode
// through it, so they carry exactly the same JSON:
//
//	data := wire.Performance(snap)   // performance_update's data, hsi-top's own keys included
//	status := wire.Status(snap, stale) // system_status's data
//
// Performance applies the page-compatibility rules (pagerules.go) last, to the wire
// struct, so that what the page needs in order not to crash is written in one place.
// The package does no I/O.
package wire
