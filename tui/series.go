package tui

import "time"

// Range is a chart's time window. It mirrors history.Range until that package lands.
type Range int

// The three ranges, 60 points each.
const (
	Range5m Range = iota
	Range15m
	Range60m
)

func (r Range) String() string {
	switch r {
	case Range15m:
		return "15m"
	case Range60m:
		return "60m"
	}
	return "5m"
}

// Point is one chart bucket; Count == 0 is a gap. It mirrors history.Point.
type Point struct {
	Start         time.Time
	Min, Avg, Max float64
	Count         int
}

// SeriesReader gives the charts their data: 60 buckets, oldest first.
type SeriesReader interface {
	Series(key string, r Range) []Point
}
