package tui

import "github.com/hsi-top/hsi-top/history"

// Range is a chart's time window (5m, 15m or 60m, 60 points each).
type Range = history.Range

// The three ranges.
const (
	Range5m  = history.Range5m
	Range15m = history.Range15m
	Range60m = history.Range60m
)

// Point is one chart bucket; Count == 0 is a gap.
type Point = history.Point

// SeriesReader gives the charts their data: history.Points buckets, oldest first
// (*history.Store satisfies it). It must not do I/O: it runs on the UI goroutine.
type SeriesReader interface {
	Series(key string, r Range) []Point
}
