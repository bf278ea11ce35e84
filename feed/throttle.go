package feed

import (
	"sync"
	"time"
)

// throttledLog decides when a repeated event (a client failing auth again and again)
// deserves a log line: the first time for a key, then at most once per period, with the
// number of events since the last line. Keys whose last line is older than the period
// are forgotten when the map grows, so a flood of addresses cannot grow it without
// bound.
type throttledLog struct {
	period time.Duration

	mu      sync.Mutex
	entries map[string]*throttleEntry
}

type throttleEntry struct {
	logged     time.Time
	suppressed int
}

// maxThrottleKeys is how many keys a throttledLog remembers before pruning.
const maxThrottleKeys = 4096

func newThrottledLog(period time.Duration) *throttledLog {
	return &throttledLog{period: period, entries: map[string]*throttleEntry{}}
}

// note records one event for key at now. It reports whether to log it, and how many
// earlier events went unlogged since the last line.
func (l *throttledLog) note(key string, now time.Time) (logIt bool, suppressed int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	e := l.entries[key]
	if e == nil {
		if len(l.entries) >= maxThrottleKeys {
			l.pruneLocked(now)
		}
		l.entries[key] = &throttleEntry{logged: now}
		return true, 0
	}
	if now.Sub(e.logged) < l.period {
		e.suppressed++
		return false, 0
	}
	suppressed, e.suppressed, e.logged = e.suppressed, 0, now
	return true, suppressed
}

// pruneLocked forgets the keys whose last line is older than the period; if every key
// is recent, it forgets them all rather than grow.
func (l *throttledLog) pruneLocked(now time.Time) {
	for k, e := range l.entries {
		if now.Sub(e.logged) >= l.period {
			delete(l.entries, k)
		}
	}
	if len(l.entries) >= maxThrottleKeys {
		clear(l.entries)
	}
}
