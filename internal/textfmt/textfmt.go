// Package textfmt holds the number formatters shared by the terminal dashboard and the
// --once text report, so a value reads the same in both: unknown is Dash (never 0),
// counts have thousands separators, bytes use binary units, latencies say ms or s.
package textfmt

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// Dash is how every unknown value is written: never 0, never blank.
const Dash = "–"

// Fixed formats a known number with the given decimals, or Dash for nil.
func Fixed(v *float64, decimals int) string {
	if v == nil {
		return Dash
	}
	return strconv.FormatFloat(*v, 'f', decimals, 64)
}

// Int formats a known integer with thousands separators, or Dash for nil.
func Int(v *int64) string {
	if v == nil {
		return Dash
	}
	return Thousands(*v)
}

// Thousands writes n with comma separators: 45678 → "45,678".
func Thousands(n int64) string {
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

// RoundInt formats a float rounded to an integer with separators, or Dash.
func RoundInt(v *float64) string {
	if v == nil {
		return Dash
	}
	return Thousands(int64(math.Round(*v)))
}

// Uptime formats seconds as "5d 12h 30m" (minutes only below an hour, "<1m" below one).
func Uptime(v *float64) string {
	if v == nil || *v < 0 {
		return Dash
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

// Ago formats a duration compactly for "active for" and "changed … ago": 41s, 3m 12s,
// 2h 5m, 3d 4h. Negative durations are 0s.
func Ago(d time.Duration) string {
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

// Span formats a chart span or bucket compactly: 5s, 1m, 15m, 1h.
func Span(d time.Duration) string {
	switch {
	case d >= time.Hour && d%time.Hour == 0:
		return strconv.FormatInt(int64(d/time.Hour), 10) + "h"
	case d >= time.Minute && d%time.Minute == 0:
		return strconv.FormatInt(int64(d/time.Minute), 10) + "m"
	}
	return strconv.FormatInt(int64(d/time.Second), 10) + "s"
}

// MS formats a latency in milliseconds: "82 ms", "4,800 ms", and seconds from 10 s up
// ("12.3 s"); Dash when unknown.
func MS(v *float64) string {
	if v == nil {
		return Dash
	}
	if *v >= 10000 {
		return strconv.FormatFloat(*v/1000, 'f', 1, 64) + " s"
	}
	return Thousands(int64(math.Round(*v))) + " ms"
}

// Bytes formats a byte count in binary units: 512 B, 1.4 MiB, 22.7 GiB.
func Bytes(b float64) string {
	units := [...]string{"B", "KiB", "MiB", "GiB", "TiB"}
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

// BytesP formats a known byte count (Bytes), or Dash.
func BytesP(v *uint64) string {
	if v == nil {
		return Dash
	}
	return Bytes(float64(*v))
}

// Rate formats a bytes-per-second rate ("1.2 MiB/s"), or Dash.
func Rate(v *float64) string {
	if v == nil {
		return Dash
	}
	return Bytes(*v) + "/s"
}

// Pct formats a percentage with one decimal ("26.2%"), or Dash.
func Pct(v *float64) string {
	if v == nil {
		return Dash
	}
	return strconv.FormatFloat(*v, 'f', 1, 64) + "%"
}

// Unit formats a known number with decimals and a unit suffix ("0.17 GiB"), or Dash.
func Unit(v *float64, decimals int, suffix string) string {
	if v == nil {
		return Dash
	}
	return strconv.FormatFloat(*v, 'f', decimals, 64) + suffix
}

// UsedOf is "8.2/31.3 GiB", or Dash when both are unknown.
func UsedOf(used, total *float64, decimals int, suffix string) string {
	if used == nil && total == nil {
		return Dash
	}
	return Fixed(used, decimals) + "/" + Fixed(total, decimals) + suffix
}

// Load formats the three load averages ("0.52 0.40 0.33"), or Dash.
func Load(l []float64) string {
	if len(l) < 3 {
		return Dash
	}
	return strconv.FormatFloat(l[0], 'f', 2, 64) + " " + strconv.FormatFloat(l[1], 'f', 2, 64) + " " + strconv.FormatFloat(l[2], 'f', 2, 64)
}

// OrDash returns s, or Dash when s is empty.
func OrDash(s string) string {
	if s == "" {
		return Dash
	}
	return s
}

// Str returns *s, or Dash for nil or empty.
func Str(s *string) string {
	if s == nil {
		return Dash
	}
	return OrDash(*s)
}
