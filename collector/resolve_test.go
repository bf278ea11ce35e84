package collector

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hsi-top/hsi-top/snapshot"
)

// partProbe builds a literal reading of one part, tagged with the source that read it,
// and reads back which source's reading the snapshot shows ("" when none) and the
// reason shown when it is unknown.
type partProbe struct {
	reading func(src snapshot.SourceName) Readings
	shown   func(s *snapshot.Snapshot) string
	reason  func(s *snapshot.Snapshot) string // nil: the part has no reason field
}

func latencyProbe(part snapshot.Part, set func(p *InferenceReadings, l *snapshot.Latency), get func(in snapshot.Inference) *snapshot.Latency) partProbe {
	return partProbe{
		reading: func(src snapshot.SourceName) Readings {
			var r Readings
			set(&r.Inference, &snapshot.Latency{Avg: snapshot.F(1), Source: string(src)})
			return r
		},
		shown: func(s *snapshot.Snapshot) string {
			if l := get(s.Inference); l != nil {
				return l.Source
			}
			return ""
		},
		reason: func(s *snapshot.Snapshot) string { return s.Inference.Errors[part] },
	}
}

// probes has one entry per row of the precedence table.
var probes = map[string]partProbe{
	partGPU: {
		reading: func(src snapshot.SourceName) Readings {
			return Readings{GPU: &GPUReading{Devices: []snapshot.GPU{{Name: string(src), Utilization: snapshot.F(5), Source: string(src)}}}}
		},
		shown: func(s *snapshot.Snapshot) string {
			if len(s.GPUs) == 0 {
				return ""
			}
			return s.GPUs[0].Name
		},
		reason: func(s *snapshot.Snapshot) string { return s.GPUStatus.Error },
	},
	string(snapshot.PartDetect): latencyProbe(snapshot.PartDetect,
		func(p *InferenceReadings, l *snapshot.Latency) { p.Detect = l }, func(in snapshot.Inference) *snapshot.Latency { return in.DetectorLatency }),
	string(snapshot.PartAnalyze): latencyProbe(snapshot.PartAnalyze,
		func(p *InferenceReadings, l *snapshot.Latency) { p.Analyze = l }, func(in snapshot.Inference) *snapshot.Latency { return in.LLMLatency }),
	string(snapshot.PartPipeline): latencyProbe(snapshot.PartPipeline,
		func(p *InferenceReadings, l *snapshot.Latency) { p.Pipeline = l }, func(in snapshot.Inference) *snapshot.Latency { return in.PipelineLatency }),
	string(snapshot.PartQueues): {
		reading: func(src snapshot.SourceName) Readings {
			return Readings{Inference: InferenceReadings{Queues: &snapshot.Queues{Detection: snapshot.I(1), Source: string(src)}}}
		},
		shown: func(s *snapshot.Snapshot) string {
			if q := s.Inference.Queues; q != nil {
				return q.Source
			}
			return ""
		},
		reason: func(s *snapshot.Snapshot) string { return s.Inference.Errors[snapshot.PartQueues] },
	},
	string(snapshot.PartThroughput): {
		reading: func(src snapshot.SourceName) Readings {
			return Readings{Inference: InferenceReadings{Throughput: &snapshot.Throughput{ImagesPerMin: snapshot.F(1), Source: string(src)}}}
		},
		shown: func(s *snapshot.Snapshot) string {
			if t := s.Inference.Throughput; t != nil {
				return t.Source
			}
			return ""
		},
		reason: func(s *snapshot.Snapshot) string { return s.Inference.Errors[snapshot.PartThroughput] },
	},
	partOverview: {
		reading: func(src snapshot.SourceName) Readings {
			return Readings{Overview: &snapshot.Overview{CamerasTotal: snapshot.I(4), Source: string(src)}}
		},
		shown:  func(s *snapshot.Snapshot) string { return s.Overview.Source },
		reason: func(s *snapshot.Snapshot) string { return s.Overview.Error },
	},
	partCamerasActive: {
		// The tag is the camera count: 3 from the backend, 5 from PostgreSQL.
		reading: func(src snapshot.SourceName) Readings {
			return Readings{Overview: &snapshot.Overview{CamerasActive: snapshot.I(int64(len(src))), Source: "overview-" + string(src)}}
		},
		shown: func(s *snapshot.Snapshot) string {
			if s.Overview.CamerasActive == nil {
				return ""
			}
			for _, src := range []snapshot.SourceName{backendSrc, pgSrc} {
				if *s.Overview.CamerasActive == int64(len(src)) {
					return string(src)
				}
			}
			return "?"
		},
	},
	partWorkers: {
		reading: func(src snapshot.SourceName) Readings {
			return Readings{Workers: &snapshot.Workers{List: []snapshot.Worker{{Name: "w"}}, Source: string(src)}}
		},
		shown:  func(s *snapshot.Snapshot) string { return s.Workers.Source },
		reason: func(s *snapshot.Snapshot) string { return s.Workers.Error },
	},
	partRedis: {
		reading: func(src snapshot.SourceName) Readings {
			return Readings{Redis: &snapshot.Redis{Status: snapshot.StatusHealthy, Version: string(src), MemoryUsedBytes: snapshot.I(1048577)}}
		},
		shown:  func(s *snapshot.Snapshot) string { return s.Databases.Redis.Version },
		reason: func(s *snapshot.Snapshot) string { return s.Databases.Redis.Error },
	},
	partPostgres: {
		reading: func(src snapshot.SourceName) Readings {
			return Readings{Postgres: &snapshot.PostgreSQL{Status: snapshot.StatusHealthy, ConnectionsMaxSource: string(src), ConnectionsActive: snapshot.I(3)}}
		},
		shown:  func(s *snapshot.Snapshot) string { return s.Databases.PostgreSQL.ConnectionsMaxSource },
		reason: func(s *snapshot.Snapshot) string { return s.Databases.PostgreSQL.Error },
	},
}

type freshness int

const (
	absent freshness = iota // not configured
	fresh                   // answered this tick
	stale                   // answered before, failed this tick
)

func (f freshness) String() string { return [...]string{"absent", "fresh", "stale"}[f] }

// collectedFor builds the resolver's input for one source in state f with a reading.
func collectedFor(src snapshot.SourceName, f freshness, r Readings) *Collected {
	switch f {
	case fresh:
		return &Collected{Status: snapshot.SourceStatus{Source: src, OK: true}, Readings: &r}
	case stale:
		return &Collected{Status: snapshot.SourceStatus{Source: src, Error: "timed out after 2s", AgeSeconds: snapshot.F(41)}, Readings: &r}
	}
	return nil
}

// TestResolverEveryPartFreshStaleAbsent drives every row of the precedence table
// through every fresh/stale/absent combination of its sources, each with a literal
// reading tagged by its source: the first fresh source in the row's order wins, else
// the first stale one; with none, the part is unknown and says why.
func TestResolverEveryPartFreshStaleAbsent(t *testing.T) {
	if len(probes) != len(precedence) {
		t.Fatalf("%d probes for %d rows of the precedence table", len(probes), len(precedence))
	}
	for _, row := range precedence {
		probe, ok := probes[row.part]
		if !ok {
			t.Fatalf("no probe for %s", row.part)
		}
		n := len(row.sources)
		combos := 1
		for range n {
			combos *= 3
		}
		for c := range combos {
			states := make([]freshness, n)
			in := map[snapshot.SourceName]*Collected{}
			want, firstStale := "", ""
			label := []string{row.part}
			for i, src := range row.sources {
				states[i] = freshness(c / pow3(i) % 3)
				label = append(label, string(src)+"="+states[i].String())
				if col := collectedFor(src, states[i], probe.reading(src)); col != nil {
					in[src] = col
				}
				switch {
				case states[i] == fresh && want == "":
					want = string(src)
				case states[i] == stale && firstStale == "":
					firstStale = string(src)
				}
			}
			if want == "" {
				want = firstStale
			}
			s := snapshot.New(time.Unix(0, 0))
			Resolve(s, in, 0)
			name := strings.Join(label, " ")
			if got := probe.shown(s); got != want {
				t.Errorf("%s: shows %q, want %q", name, got, want)
			}
			if want == "" && probe.reason != nil && probe.reason(s) == "" {
				t.Errorf("%s: unknown without a reason", name)
			}
		}
	}
}

func pow3(i int) int {
	p := 1
	for range i {
		p *= 3
	}
	return p
}

// TestResolverOrders spells out the orders with literal readings (the table itself is
// the only place the code writes them).
func TestResolverOrders(t *testing.T) {
	for _, tc := range []struct {
		part  string
		fresh []snapshot.SourceName
		stale []snapshot.SourceName
		want  string
	}{
		{partGPU, []snapshot.SourceName{"detector", "prometheus", "nvml"}, nil, "nvml"},
		{partGPU, []snapshot.SourceName{"detector", "prometheus"}, nil, "prometheus"},
		{partGPU, []snapshot.SourceName{"detector"}, []snapshot.SourceName{"nvml"}, "detector"},
		{string(snapshot.PartDetect), []snapshot.SourceName{"redis", "backend", "prometheus"}, nil, "prometheus"},
		{string(snapshot.PartDetect), []snapshot.SourceName{"redis", "backend"}, nil, "backend"},
		{string(snapshot.PartQueues), []snapshot.SourceName{"redis"}, []snapshot.SourceName{"prometheus", "backend"}, "redis"},
		{string(snapshot.PartThroughput), []snapshot.SourceName{"postgres", "prometheus"}, nil, "prometheus"},
		{string(snapshot.PartThroughput), nil, []snapshot.SourceName{"postgres", "prometheus"}, "prometheus"},
		{partOverview, []snapshot.SourceName{"postgres", "backend"}, nil, "backend"},
		{partOverview, []snapshot.SourceName{"postgres"}, []snapshot.SourceName{"backend"}, "postgres"},
		{partWorkers, []snapshot.SourceName{"prometheus", "backend"}, nil, "backend"},
		{partWorkers, []snapshot.SourceName{"prometheus"}, []snapshot.SourceName{"backend"}, "prometheus"},
	} {
		in := map[snapshot.SourceName]*Collected{}
		for _, src := range tc.fresh {
			in[src] = collectedFor(src, fresh, probes[tc.part].reading(src))
		}
		for _, src := range tc.stale {
			in[src] = collectedFor(src, stale, probes[tc.part].reading(src))
		}
		s := snapshot.New(time.Unix(0, 0))
		Resolve(s, in, 0)
		if got := probes[tc.part].shown(s); got != tc.want {
			t.Errorf("%s fresh %v stale %v: %q, want %q", tc.part, tc.fresh, tc.stale, got, tc.want)
		}
	}
}

// TestResolverReasons: the "why unknown" text comes from the same rows, in their order,
// with each configured source's error or note.
func TestResolverReasons(t *testing.T) {
	down := func(src snapshot.SourceName, err string) *Collected {
		return &Collected{Status: snapshot.SourceStatus{Source: src, Error: err}, Down: true}
	}
	answered := func(src snapshot.SourceName, notes map[string]string) *Collected {
		return &Collected{Status: snapshot.SourceStatus{Source: src, OK: true}, Readings: &Readings{Notes: notes}}
	}
	s := snapshot.New(time.Unix(0, 0))
	Resolve(s, map[snapshot.SourceName]*Collected{
		"redis":    down("redis", "redis PING: connection refused"),
		"backend":  answered("backend", map[string]string{string(snapshot.PartDetect): "telemetry: HTTP 500", partOverview: "stats: HTTP 500"}),
		"postgres": answered("postgres", map[string]string{string(snapshot.PartThroughput): "detections: canceling statement due to statement timeout"}),
	}, 0)
	for _, tc := range []struct{ got, want string }{
		{s.Inference.Errors[snapshot.PartDetect], "backend: telemetry: HTTP 500; redis: redis PING: connection refused"},
		{s.Inference.Errors[snapshot.PartAnalyze], "backend: no data; redis: redis PING: connection refused"},
		{s.Inference.Errors[snapshot.PartThroughput], "postgres: detections: canceling statement due to statement timeout"},
		{s.Overview.Error, "backend: stats: HTTP 500; postgres: no data"},
		{s.Workers.Error, "backend: no data"},
		{s.Databases.Redis.Error, "redis: redis PING: connection refused"},
		{s.Databases.PostgreSQL.Error, "postgres: no data"},
		{s.GPUStatus.Error, "no source configured (nvml, prometheus, detector)"},
	} {
		if tc.got != tc.want {
			t.Errorf("reason %q, want %q", tc.got, tc.want)
		}
	}
	if s.Databases.Redis.Status != snapshot.StatusUnreachable {
		t.Errorf("redis never answered: status %q", s.Databases.Redis.Status)
	}
}

// TestStalePolicy: a stale card keeps its values and says why; it reads unreachable only
// when the service failed or refused, not when hsi-top's read timed out.
func TestStalePolicy(t *testing.T) {
	for _, down := range []bool{false, true} {
		r := probes[partRedis].reading("redis")
		p := probes[partPostgres].reading("postgres")
		in := map[snapshot.SourceName]*Collected{
			"redis":    {Status: snapshot.SourceStatus{Source: "redis", Error: "redis PING: connection refused"}, Readings: &r, Down: down},
			"postgres": {Status: snapshot.SourceStatus{Source: "postgres", Error: "postgres ping: connection refused"}, Readings: &p, Down: down},
		}
		s := snapshot.New(time.Unix(0, 0))
		Resolve(s, in, 0)
		rd, pg := s.Databases.Redis, s.Databases.PostgreSQL
		want := snapshot.StatusHealthy
		if down {
			want = snapshot.StatusUnreachable
		}
		name := "down=" + strconv.FormatBool(down)
		if rd.Status != want || rd.MemoryUsedBytes == nil || *rd.MemoryUsedBytes != 1048577 || rd.Error != "redis: redis PING: connection refused" {
			t.Errorf("%s: redis card %+v", name, rd)
		}
		if pg.Status != want || pg.ConnectionsActive == nil || pg.Error != "postgres: postgres ping: connection refused" {
			t.Errorf("%s: postgres card %+v", name, pg)
		}
	}
}

func TestServiceDown(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{nil, false},
		{ErrStillRunning, false},
		{errString("timed out after 2s"), false},
		{errString("postgres connect: timeout"), false},
		{errString("redis PING: connection refused"), true},
		{errString("HTTP 503"), true},
	} {
		if got := serviceDown(tc.err); got != tc.want {
			t.Errorf("serviceDown(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}

type errString string

func (e errString) Error() string { return string(e) }
