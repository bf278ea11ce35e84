// Package wire is the page's wire encoding of a snapshot: the one place where hsi-top's
// base units (bytes, seconds, unrounded percentages) become the units and rounding the
// web page expects (GB, MB, one or two decimals), and where the page's key names live.
//
// The WebSocket frames (performance_update, system_status), the REST endpoints
// (/api/system/performance and its history points) and `--once --json` all encode
// through it, so they carry the same units, rounding and keys:
//
//	data := wire.Performance(snap)     // --once --json: hsi-top's own output, null for every unknown
//	page := wire.Page(snap)            // the page's wire: Performance with the page rules
//	status := wire.Status(snap, stale) // system_status's data
//
// The page-compatibility rules (pagerules.go: no null where the page calls a number
// method, the alias keys it reads, the container health words it knows) are written in
// one place and applied by Page and Status; Performance stays honest about unknowns.
// The package does no I/O.
package wire
