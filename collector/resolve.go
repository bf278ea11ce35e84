package collector

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"

	"github.com/hsi-top/hsi-top/snapshot"
)

// Collected is one source's outcome at a tick, as the resolver sees it.
type Collected struct {
	// Status is the source's freshness (OK, error, age).
	Status snapshot.SourceStatus
	// Readings are from the source's last good collection; nil when it never succeeded.
	Readings *Readings
	// Down says the service itself answered with a failure or refused the connection,
	// as opposed to hsi-top's read of it timing out: a stale card then says unreachable.
	Down bool
}

// Names of the parts in the precedence table that are not inference parts.
const (
	partGPU           = "gpu"
	partOverview      = "overview"
	partCamerasActive = "cameras_active"
	partWorkers       = "workers"
	partRedis         = "redis"
	partPostgres      = "postgres"
)

// rule is one row of the precedence table: a part, the sources that can fill it
// (preferred first), how to tell that a reading has it, how to write the winner and,
// when no source has it, where to say why.
type rule struct {
	part    string
	sources []snapshot.SourceName
	has     func(r *Readings) bool
	set     func(s *snapshot.Snapshot, c *Collected, rc *resolution)
	unknown func(s *snapshot.Snapshot, why string, rc *resolution)
}

// Short names for the table below.
const (
	nvmlSrc    = snapshot.SourceNVML
	promSrc    = snapshot.SourcePrometheus
	detSrc     = snapshot.SourceDetector
	backendSrc = snapshot.SourceBackend
	redisSrc   = snapshot.SourceRedis
	pgSrc      = snapshot.SourcePostgres
)

// precedence is the only place where "who wins" is written. The resolver walks the
// sources of each row in order and takes the first fresh one that has a reading of the
// part; with none fresh, the first stale one that has (a fresh fallback beats a stale
// preferred source). The same rows word the reason a part is unknown.
var precedence = []rule{
	{partGPU, []snapshot.SourceName{nvmlSrc, promSrc, detSrc}, hasGPU, setGPU, unknownGPU},
	inferenceRule(snapshot.PartDetect, detectField, promSrc, backendSrc, redisSrc),
	inferenceRule(snapshot.PartAnalyze, analyzeField, promSrc, backendSrc, redisSrc),
	inferenceRule(snapshot.PartPipeline, pipelineField, promSrc, backendSrc, redisSrc),
	inferenceRule(snapshot.PartQueues, queuesField, promSrc, backendSrc, redisSrc),
	inferenceRule(snapshot.PartThroughput, throughputField, promSrc, pgSrc),
	{partOverview, []snapshot.SourceName{backendSrc, pgSrc}, hasOverview, setOverview, unknownOverview},
	// After the overview: a backend that does not count the cameras online leaves
	// cameras_active to the cameras table.
	{partCamerasActive, []snapshot.SourceName{backendSrc, pgSrc}, hasCamerasActive, setCamerasActive, nil},
	{partWorkers, []snapshot.SourceName{backendSrc, promSrc}, hasWorkers, setWorkers, unknownWorkers},
	{partRedis, []snapshot.SourceName{redisSrc}, func(r *Readings) bool { return r.Redis != nil }, setRedis, unknownRedis},
	{partPostgres, []snapshot.SourceName{pgSrc}, func(r *Readings) bool { return r.Postgres != nil }, setPostgres, unknownPostgres},
}

// resolution is one Resolve call's inputs.
type resolution struct {
	in       map[snapshot.SourceName]*Collected
	gpuIndex int
}

// Resolve writes every multi-source part of s from the sources' readings by the
// precedence table, and the reason for each part no source has. in holds every
// configured source; gpuIndex is the device the page's gpu object shows.
func Resolve(s *snapshot.Snapshot, in map[snapshot.SourceName]*Collected, gpuIndex int) {
	rc := &resolution{in: in, gpuIndex: gpuIndex}
	for i := range precedence {
		r := &precedence[i]
		if c := rc.winner(r); c != nil {
			r.set(s, c, rc)
		} else if r.unknown != nil {
			r.unknown(s, rc.reason(r), rc)
		}
	}
	if len(s.Inference.Errors) == 0 {
		s.Inference.Errors = nil
	}
}

// winner is the first fresh source of r that has a reading of the part, else the first
// stale one that has, else nil.
func (rc *resolution) winner(r *rule) *Collected {
	var stale *Collected
	for _, name := range r.sources {
		c := rc.in[name]
		if c == nil || c.Readings == nil || !r.has(c.Readings) {
			continue
		}
		if c.Status.OK {
			return c
		}
		if stale == nil {
			stale = c
		}
	}
	return stale
}

// reason says why no source of r has the part: each configured source's error, its
// note on the part, "no data" when it answered without it, or that none is configured.
func (rc *resolution) reason(r *rule) string {
	var reasons []string
	for _, name := range r.sources {
		c := rc.in[name]
		if c == nil {
			continue
		}
		why := ""
		switch {
		case c.Status.OK && c.Readings != nil && c.Readings.Notes[r.part] != "":
			why = c.Readings.Notes[r.part]
		case c.Status.OK:
			why = "no data"
		case c.Status.Error != "":
			why = c.Status.Error
		default:
			why = "no answer yet"
		}
		reasons = append(reasons, string(name)+": "+why)
	}
	if len(reasons) == 0 {
		names := make([]string, len(r.sources))
		for i, n := range r.sources {
			names[i] = string(n)
		}
		return fmt.Sprintf("no source configured (%s)", strings.Join(names, ", "))
	}
	return strings.Join(reasons, "; ")
}

// The stale policy, the same for every source: a stale source's last values are kept,
// marked with its error (the views dim them by the source's age in Sources), and a card
// says unreachable only when the service itself failed or refused, not when hsi-top's
// read of it timed out.
func staleCard(status, errText *string, c *Collected) {
	if c.Status.OK {
		return
	}
	*errText = staleText(c)
	if c.Down {
		*status = snapshot.StatusUnreachable
	}
}

func staleText(c *Collected) string {
	msg := c.Status.Error
	if msg == "" {
		msg = "no answer yet"
	}
	return string(c.Status.Source) + ": " + msg
}

// sourceError says why a source gave nothing fresh this tick, for the sections it feeds.
func sourceError(s *snapshot.Snapshot, name snapshot.SourceName) string {
	st, ok := s.Source(name)
	switch {
	case !ok:
		return string(name) + ": not configured"
	case st.OK:
		return ""
	case st.Error != "":
		return string(name) + ": " + st.Error
	}
	return string(name) + ": no answer yet"
}

// serviceDown reports whether err says the service itself failed or refused (a card
// then says unreachable), as opposed to hsi-top's read of it timing out or still
// running (the card keeps its last status, marked stale).
func serviceDown(err error) bool {
	if err == nil || errors.Is(err, ErrStillRunning) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, os.ErrDeadlineExceeded) {
		return false
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return false
	}
	msg := strings.ToLower(err.Error())
	return !strings.Contains(msg, "timeout") && !strings.Contains(msg, "timed out") && !strings.Contains(msg, "deadline exceeded")
}

// downStatus is a card's status when its service's request failed with err:
// unreachable when the service refused or failed, unhealthy when hsi-top's read of it
// timed out (the service may be up, only slow).
func downStatus(err error) string {
	if serviceDown(err) {
		return snapshot.StatusUnreachable
	}
	return snapshot.StatusUnhealthy
}
