package tui

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// dash is how every unknown value is shown: never 0, never blank.
const dash = "–"

// fnum formats a known number with the given decimals, or dash for nil.
func fnum(v *float64, decimals int) string {
	if v == nil {
		return dash
	}
	return strconv.FormatFloat(*v, 'f', decimals, 64)
}

// inum formats a known integer with thousands separators, or dash for nil.
func inum(v *int64) string {
	if v == nil {
		return dash
	}
	return thousands(*v)
}

// thousands writes n with comma separators: 45678 → "45,678".
func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	sign := ""
	if s[0] == '-' {
		sign, s = "-", s[1:]
	}
	if len(s) <= 3 {
		return sign + s
	}
	var b strings.Builder
	b.Grow(len(s) + len(s)/3 + 1)
	b.WriteString(sign)
	head := len(s) % 3
	if head == 0 {
		head = 3
	}
	b.WriteString(s[:head])
	for i := head; i < len(s); i += 3 {
		b.WriteByte(',')
		b.WriteString(s[i : i+3])
	}
	return b.String()
}

// fthousands formats a float rounded to an integer with separators.
func fthousands(v *float64) string {
	if v == nil {
		return dash
	}
	return thousands(int64(math.Round(*v)))
}

// uptime formats seconds as "5d 12h 30m" (minutes only below an hour, "<1m" below one).
func uptime(v *float64) string {
	if v == nil || *v < 0 {
		return dash
	}
	total := int64(*v) / 60
	d, h, m := total/1440, total/60%24, total%60
	switch {
	case d > 0:
		return strconv.FormatInt(d, 10) + "d " + strconv.FormatInt(h, 10) + "h " + strconv.FormatInt(m, 10) + "m"
	case h > 0:
		return strconv.FormatInt(h, 10) + "h " + strconv.FormatInt(m, 10) + "m"
	case m > 0:
		return strconv.FormatInt(m, 10) + "m"
	}
	return "<1m"
}

// ago formats a duration compactly for "active for" and "changed … ago": 41s, 3m 12s, 2h 5m, 3d 4h.
func ago(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	s := int64(d / time.Second)
	switch {
	case s < 60:
		return strconv.FormatInt(s, 10) + "s"
	case s < 3600:
		return strconv.FormatInt(s/60, 10) + "m " + strconv.FormatInt(s%60, 10) + "s"
	case s < 86400:
		return strconv.FormatInt(s/3600, 10) + "h " + strconv.FormatInt(s/60%60, 10) + "m"
	}
	return strconv.FormatInt(s/86400, 10) + "d " + strconv.FormatInt(s/3600%24, 10) + "h"
}

// ms formats a latency: "82 ms", "4,800 ms", and seconds from 10 s up ("12.3 s").
func ms(v *float64) string {
	if v == nil {
		return dash
	}
	if *v >= 10000 {
		return strconv.FormatFloat(*v/1000, 'f', 1, 64) + " s"
	}
	return thousands(int64(math.Round(*v))) + " ms"
}

// bytesHuman formats a byte count in binary units: 512 B, 1.4 MiB, 22.7 GiB.
func bytesHuman(b float64) string {
	units := []string{"B", "KiB", "MiB", "GiB", "TiB"}
	i := 0
	for b >= 1024 && i < len(units)-1 {
		b /= 1024
		i++
	}
	if i == 0 {
		return strconv.FormatFloat(b, 'f', 0, 64) + " B"
	}
	return strconv.FormatFloat(b, 'f', 1, 64) + " " + units[i]
}

// rate formats a bytes-per-second rate, or dash.
func rate(v *float64) string {
	if v == nil {
		return dash
	}
	return bytesHuman(*v) + "/s"
}

// pct formats a percentage with one decimal, or dash.
func pct(v *float64) string {
	if v == nil {
		return dash
	}
	return strconv.FormatFloat(*v, 'f', 1, 64) + "%"
}

// unit formats a known number with decimals and a unit suffix ("0.17 GiB"), or dash.
func unit(v *float64, decimals int, suffix string) string {
	if v == nil {
		return dash
	}
	return strconv.FormatFloat(*v, 'f', decimals, 64) + suffix
}

// usedOf is "8.2/31.3 GiB", or dash when both are unknown.
func usedOf(used, total *float64, decimals int, suffix string) string {
	if used == nil && total == nil {
		return dash
	}
	return fnum(used, decimals) + "/" + fnum(total, decimals) + suffix
}

// orDash returns s, or dash when s is empty.
func orDash(s string) string {
	if s == "" {
		return dash
	}
	return s
}

// strp returns *s, or dash for nil or empty.
func strp(s *string) string {
	if s == nil {
		return dash
	}
	return orDash(*s)
}

// shortErr cuts an error message to n cells for the footer and panel titles.
func shortErr(s string, n int) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndex(s, ": "); i >= 0 && len(s)-i > 4 {
		// Keep the innermost reason: "redis INFO: dial tcp …: connection refused" → "connection refused".
		s = s[i+2:]
	}
	return truncate(s, n)
}
