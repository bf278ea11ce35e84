package alerts

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/hsi-top/hsi-top/config"
	"github.com/hsi-top/hsi-top/snapshot"
)

// comparison is how a value is compared with a level.
type comparison int

const (
	above   comparison = iota // past the level when greater
	atLeast                   // past the level when greater or equal (counts)
	below                     // past the level when less
)

// past reports whether v is past level in the rule's bad direction.
func (c comparison) past(v, level float64) bool {
	switch c {
	case atLeast:
		return v >= level
	case below:
		return v < level
	default:
		return v > level
	}
}

// worse reports whether a is a worse value than b (for the peak).
func (c comparison) worse(a, b float64) bool {
	if c == below {
		return a < b
	}
	return a > b
}

// reading is one object's value for a rule this tick.
type reading struct {
	object string
	value  float64
	ok     bool // false: unknown
}

// ruleDef describes how to read a metric from a snapshot and word its message.
type ruleDef struct {
	metric snapshot.AlertMetric
	cmp    comparison
	// read appends the rule's readings (one per object) to dst.
	read func(s *snapshot.Snapshot, dst []reading) []reading
	// message words an alert; word is "high", "low" or "critical".
	message func(s *snapshot.Snapshot, r reading, word string) string
	// clearOnUnknown clears an active alert at the first unknown sample instead of
	// holding it: an unknown Redis hit ratio means no lookups, never a bad ratio.
	clearOnUnknown bool
}

func withClearOnUnknown(d ruleDef) ruleDef {
	d.clearOnUnknown = true
	return d
}

// definitions returns the rule definitions keyed by contract.md §5's metric names.
func definitions() map[snapshot.AlertMetric]ruleDef {
	defs := []ruleDef{
		gpuRule(snapshot.MetricGPUUtilization, func(g *snapshot.GPU) *float64 { return g.Utilization },
			func(l, w string, v float64) string { return fmt.Sprintf("%s utilization %s: %.1f%%", l, w, v) }),
		gpuRule(snapshot.MetricGPUTemperature, func(g *snapshot.GPU) *float64 { return g.Temperature },
			func(l, w string, v float64) string { return fmt.Sprintf("%s temperature %s: %.0f°C", l, w, v) }),
		gpuRule(snapshot.MetricGPUVRAM, func(g *snapshot.GPU) *float64 { return g.VRAMPercent },
			func(l, w string, v float64) string { return fmt.Sprintf("%s VRAM %s: %.1f%%", l, w, v) }),
		gpuRule(snapshot.MetricGPUPower, func(g *snapshot.GPU) *float64 { return g.PowerWatts },
			func(l, w string, v float64) string { return fmt.Sprintf("%s power %s: %.0fW", l, w, v) }),
		singleRule(snapshot.MetricDetectorLatencyP95, above, func(s *snapshot.Snapshot) *float64 { return p95(s.Inference.DetectorLatency) },
			"Detector latency p95 %s: %.0fms", 1),
		// The level is in ms like the feed's value; seconds read better in the message.
		singleRule(snapshot.MetricLLMLatencyP95, above, func(s *snapshot.Snapshot) *float64 { return p95(s.Inference.LLMLatency) },
			"LLM latency p95 %s: %.1fs", 0.001),
		pgConnectionsRule(),
		singleRule(snapshot.MetricPGCacheHit, below, func(s *snapshot.Snapshot) *float64 { return s.Databases.PostgreSQL.CacheHitRatio },
			"PostgreSQL cache hit ratio %s: %.1f%%", 1),
		singleRule(snapshot.MetricRedisMemory, above, func(s *snapshot.Snapshot) *float64 { return snapshot.InMiB(s.Databases.Redis.MemoryUsedBytes) },
			"Redis memory %s: %.1fMB", 1),
		withClearOnUnknown(singleRule(snapshot.MetricRedisHitRatio, below, func(s *snapshot.Snapshot) *float64 { return s.Databases.Redis.HitRatio },
			"Redis hit ratio %s: %.1f%%", 1)),
		singleRule(snapshot.MetricHostCPU, above, func(s *snapshot.Snapshot) *float64 { return s.Host.CPUPercent },
			"CPU %s: %.1f%%", 1),
		singleRule(snapshot.MetricHostRAM, above, func(s *snapshot.Snapshot) *float64 { return s.Host.RAMPercent },
			"RAM %s: %.1f%%", 1),
		hostDiskRule(),
		containerHealthRule(),
	}
	defs = append(defs, gpuFaultDefinitions()...) // issue 14: rules_gpu_faults.go
	m := make(map[snapshot.AlertMetric]ruleDef, len(defs))
	for _, d := range defs {
		m[d.metric] = d
	}
	return m
}

// gpuRule is a rule read from every GPU (the object is "gpu0", "gpu1", …).
func gpuRule(metric snapshot.AlertMetric, val func(g *snapshot.GPU) *float64, format func(label, word string, v float64) string) ruleDef {
	return ruleDef{
		metric: metric, cmp: above,
		read: func(s *snapshot.Snapshot, dst []reading) []reading {
			if len(s.GPUs) == 0 && s.GPU != nil {
				return append(dst, known(snapshot.GPUObject(s.GPU.Index), val(s.GPU)))
			}
			for i := range s.GPUs {
				dst = append(dst, known(snapshot.GPUObject(s.GPUs[i].Index), val(&s.GPUs[i])))
			}
			return dst
		},
		message: func(s *snapshot.Snapshot, r reading, word string) string {
			return format(gpuLabel(s, r.object), word, r.value)
		},
	}
}

// singleRule is a rule with one value per snapshot; the message shows it times scale.
func singleRule(metric snapshot.AlertMetric, cmp comparison, val func(s *snapshot.Snapshot) *float64, format string, scale float64) ruleDef {
	return ruleDef{
		metric: metric, cmp: cmp,
		read: func(s *snapshot.Snapshot, dst []reading) []reading {
			return append(dst, known("", val(s)))
		},
		message: func(_ *snapshot.Snapshot, r reading, word string) string {
			return fmt.Sprintf(format, word, r.value*scale)
		},
	}
}

// pgConnectionsRule is pg_connections: open connections in % of the limit.
func pgConnectionsRule() ruleDef {
	return ruleDef{
		metric: snapshot.MetricPGConnections, cmp: above,
		// Every open connection counts against the limit, idle ones too: the pool
		// runs out of connections, not of running queries.
		read: func(s *snapshot.Snapshot, dst []reading) []reading {
			pg := &s.Databases.PostgreSQL
			if pg.ConnectionsTotal == nil || pg.ConnectionsMax == nil || *pg.ConnectionsMax <= 0 {
				return append(dst, reading{})
			}
			return append(dst, reading{value: float64(*pg.ConnectionsTotal) / float64(*pg.ConnectionsMax) * 100, ok: true})
		},
		message: func(s *snapshot.Snapshot, r reading, word string) string {
			pg := &s.Databases.PostgreSQL
			if pg.ConnectionsTotal == nil || pg.ConnectionsMax == nil {
				return fmt.Sprintf("PostgreSQL connections %s: %.1f%%", word, r.value)
			}
			return fmt.Sprintf("PostgreSQL connections %s: %d/%d", word, *pg.ConnectionsTotal, *pg.ConnectionsMax)
		},
	}
}

// hostDiskRule is host_disk: every mount's use (the root filesystem without mounts).
func hostDiskRule() ruleDef {
	return ruleDef{
		metric: snapshot.MetricHostDisk, cmp: above,
		read: func(s *snapshot.Snapshot, dst []reading) []reading {
			if len(s.Host.Mounts) == 0 {
				if s.Host.DiskPercent != nil {
					dst = append(dst, known("/", s.Host.DiskPercent))
				}
				return dst
			}
			for i := range s.Host.Mounts {
				dst = append(dst, known(s.Host.Mounts[i].Path, s.Host.Mounts[i].Percent))
			}
			return dst
		},
		message: func(_ *snapshot.Snapshot, r reading, word string) string {
			return fmt.Sprintf("Disk %s %s: %.1f%%", r.object, word, r.value)
		},
	}
}

// containerHealthRule is container_health: how many services are down (unknown until one was probed).
func containerHealthRule() ruleDef {
	return ruleDef{
		metric: snapshot.MetricContainerHealth, cmp: atLeast,
		read: func(s *snapshot.Snapshot, dst []reading) []reading {
			probed := 0
			for _, c := range s.Containers {
				if c.State != "" && c.State != snapshot.ContainerUnknown {
					probed++ // "" and unknown: not probed yet, or its source is off
				}
			}
			n := s.Containers.Unhealthy()
			if probed == 0 {
				return append(dst, reading{})
			}
			return append(dst, reading{value: float64(n), ok: true})
		},
		message: func(s *snapshot.Snapshot, r reading, word string) string {
			var names []string
			for _, c := range s.Containers {
				if c.Down() {
					names = append(names, c.Name+" "+c.State)
				}
			}
			const shown = 3
			if len(names) > shown {
				names = append(names[:shown], "+"+strconv.Itoa(len(names)-shown)+" more")
			}
			msg := fmt.Sprintf("Containers %s: %.0f unhealthy", word, r.value)
			if len(names) > 0 {
				msg += " (" + strings.Join(names, ", ") + ")"
			}
			return msg
		},
	}
}

// known turns a *float64 into a reading; nil, NaN and infinities are unknown.
func known(object string, v *float64) reading {
	if v == nil || math.IsNaN(*v) || math.IsInf(*v, 0) {
		return reading{object: object}
	}
	return reading{object: object, value: *v, ok: true}
}

func p95(l *snapshot.Latency) *float64 {
	if l == nil {
		return nil
	}
	return l.P95
}

// gpuLabel is "GPU" on a one-GPU box (the page's wording) and "GPU 1" when there are
// several, so the message says which.
func gpuLabel(s *snapshot.Snapshot, object string) string {
	if len(s.GPUs) <= 1 {
		return "GPU"
	}
	return "GPU " + strings.TrimPrefix(object, "gpu")
}

// levelWords are the message words per severity and comparison: "high"/"low" for a
// warning (a low cache hit ratio is not "high"), "critical" for a critical.
func levelWord(sev int, cmp comparison) string {
	if sev == sevCritical {
		return "critical"
	}
	if cmp == below {
		return "low"
	}
	return "high"
}

// compiled is a configured rule ready to evaluate.
type compiled struct {
	ruleDef
	levels   [2]float64       // by severity index: warning, critical
	windows  [2]time.Duration // how long a level must be held before it raises
	clearLvl [2]float64       // the level a value must fall back past to clear
}

func compile(def ruleDef, r config.Rule, globalHyst float64) compiled {
	h := globalHyst
	if r.HysteresisPercent != nil {
		h = *r.HysteresisPercent
	}
	c := compiled{ruleDef: def}
	c.levels = [2]float64{r.Warning, r.Critical}
	c.windows = [2]time.Duration{r.WarningFor.D(), r.CriticalFor.D()}
	for i, l := range c.levels {
		d := abs(l) * h / 100
		if def.cmp == below {
			c.clearLvl[i] = l + d
		} else {
			c.clearLvl[i] = l - d
		}
	}
	return c
}

func abs(v float64) float64 {
	if v < 0 {
		return -v
	}
	return v
}
