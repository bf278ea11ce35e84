package tui

import (
	"strings"

	"github.com/hsi-top/hsi-top/internal/textfmt"
)

// The number formatters are textfmt's, shared with the --once report; the short local
// names keep the panel code readable.
const dash = textfmt.Dash

var (
	fnum       = textfmt.Fixed
	inum       = textfmt.Int
	thousands  = textfmt.Thousands
	fthousands = textfmt.RoundInt
	uptime     = textfmt.Uptime
	ago        = textfmt.Ago
	ms         = textfmt.MS
	bytesHuman = textfmt.Bytes
	rate       = textfmt.Rate
	pct        = textfmt.Pct
	unit       = textfmt.Unit
	usedOf     = textfmt.UsedOf
	orDash     = textfmt.OrDash
	strp       = textfmt.Str
	loadString = textfmt.Load
)

// shortErr cuts an error message to n cells for the footer and panel titles.
func shortErr(s string, n int) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndex(s, ": "); i >= 0 && len(s)-i > 4 {
		// Keep the innermost reason: "redis INFO: dial tcp …: connection refused" → "connection refused".
		s = s[i+2:]
	}
	return truncate(s, n)
}
