package collector

import "time"

// Timeouts are the deadlines of one configuration, derived once (TimeoutsFor) and handed
// to the engine and to every source's constructor.
type Timeouts struct {
	// Source is each source's deadline per tick (the engine's).
	Source time.Duration
	// Request is what a source gives its own requests: 90% of Source, so a slow request
	// fails inside the source, which reports it as that part's reason (the rest of its
	// answer stays fresh), instead of the whole source missing the tick.
	Request time.Duration
	// Probe bounds one container health probe: Request, at most ContainerProbeTimeout.
	Probe time.Duration
}

// TimeoutsFor derives the deadlines from the collection interval and the configured
// source timeout (2 s when zero, never more than 80% of the interval).
func TimeoutsFor(interval, sourceTimeout time.Duration) Timeouts {
	source := EffectiveTimeout(interval, sourceTimeout)
	request := source * 9 / 10
	return Timeouts{Source: source, Request: request, Probe: min(ContainerProbeTimeout, request)}
}

// EffectiveTimeout is the per-source deadline the engine uses: the configured one (2 s
// when unset), never more than 80% of the interval so a tick always ends before the next.
func EffectiveTimeout(interval, timeout time.Duration) time.Duration {
	if timeout <= 0 {
		timeout = 2 * time.Second
	}
	return min(timeout, interval*8/10)
}
