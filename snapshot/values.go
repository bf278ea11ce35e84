package snapshot

import (
	"math"
	"time"
)

// TimeLayout is the feed's ISO-8601 UTC form, with microseconds as the old backend sent.
const TimeLayout = "2006-01-02T15:04:05.000000Z"

// Time is a UTC instant that encodes as the feed's ISO-8601 string.
type Time struct{ time.Time }

// MarshalJSON encodes t in TimeLayout.
func (t Time) MarshalJSON() ([]byte, error) {
	b := make([]byte, 0, len(TimeLayout)+2)
	b = append(b, '"')
	b = t.UTC().AppendFormat(b, TimeLayout)
	return append(b, '"'), nil
}

// UnmarshalJSON accepts any RFC 3339 time, with or without fractional seconds.
func (t *Time) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	parsed, err := time.Parse(`"`+time.RFC3339Nano+`"`, string(b))
	if err != nil {
		return err
	}
	t.Time = parsed.UTC()
	return nil
}

// At returns a *Time for ts, for optional time fields.
func At(ts time.Time) *Time { return &Time{ts.UTC()} }

// F returns a pointer to v: a known number. NaN and ±Inf are unknown and give nil, so
// a division by zero upstream can never reach the JSON encoder (which rejects them).
func F(v float64) *float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return &v
}

// I returns a pointer to v.
func I(v int64) *int64 { return &v }

// U returns a pointer to v.
func U(v uint64) *uint64 { return &v }

// Round returns v rounded to the given number of decimals, keeping nil as nil.
func Round(v *float64, decimals int) *float64 {
	if v == nil {
		return nil
	}
	p := math.Pow(10, float64(decimals))
	return F(math.Round(*v*p) / p)
}

// GiB is 2³⁰ bytes: the page's "GB" fields are GiB, as NVML and psutil report them.
const GiB = 1 << 30

// MiB is 2²⁰ bytes: the page's "MB" fields.
const MiB = 1 << 20

// InGiB is a byte count in GiB, unrounded, for views that show GiB; nil stays nil.
func InGiB(b *uint64) *float64 {
	if b == nil {
		return nil
	}
	return F(float64(*b) / GiB)
}

// InMiB is a byte count in MiB, unrounded; nil stays nil.
func InMiB(b *int64) *float64 {
	if b == nil {
		return nil
	}
	return F(float64(*b) / MiB)
}

// Percent returns part/total*100, unrounded, or nil when total is zero.
func Percent(part, total float64) *float64 {
	if total <= 0 {
		return nil
	}
	return F(part / total * 100)
}
