package tui

import (
	"math"
	"strconv"
	"time"

	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"github.com/hsi-top/hsi-top/clock"
	"github.com/hsi-top/hsi-top/snapshot"
)

// t0 is the fixed start of every scenario.
var t0 = time.Date(2026, 11, 27, 22, 15, 0, 0, time.UTC)

// fakeHistory keeps every pushed sample per key, one per 5 s tick, and aggregates them
// like the history package: 60 buckets of 1, 3 or 12 ticks, oldest first, gaps empty.
type fakeHistory struct {
	raw   map[string][]float64
	reads int
}

func newFakeHistory() *fakeHistory { return &fakeHistory{raw: map[string][]float64{}} }

func (h *fakeHistory) add(key string, v *float64) {
	x := math.NaN()
	if v != nil {
		x = *v
	}
	h.raw[key] = append(h.raw[key], x)
}

func (h *fakeHistory) samples() int {
	n := 0
	for _, v := range h.raw {
		n = max(n, len(v))
	}
	return n
}

func (h *fakeHistory) Series(key string, r Range) []Point {
	return h.AppendSeries(nil, key, r)
}

// AppendSeries is Series into dst's storage, as *history.Store has it.
func (h *fakeHistory) AppendSeries(dst []Point, key string, r Range) []Point {
	h.reads++
	step := [...]int{1, 3, 12}[r]
	raw := h.raw[key]
	full := append(dst, make([]Point, 60)...)
	out := full[len(dst):]
	end := len(raw)
	for b := 59; b >= 0; b-- {
		lo := end - step
		p := Point{Start: t0.Add(time.Duration(lo) * 5 * time.Second)}
		for i := max(lo, 0); i < end; i++ {
			v := raw[i]
			if math.IsNaN(v) {
				continue
			}
			if p.Count == 0 || v < p.Min {
				p.Min = v
			}
			if p.Count == 0 || v > p.Max {
				p.Max = v
			}
			p.Avg = (p.Avg*float64(p.Count) + v) / float64(p.Count+1)
			p.Count++
		}
		out[b] = p
		end = lo
		if end < 0 {
			end = 0
		}
	}
	return full
}

// record feeds a snapshot's charted numbers into the history, as the history stage does.
func (h *fakeHistory) record(s *snapshot.Snapshot) {
	for _, g := range s.GPUs {
		k := "gpu." + strconv.Itoa(g.Index) + "."
		h.add(k+"utilization", g.Utilization)
		h.add(k+"vram_percent", g.VRAMPercent)
		h.add(k+"temperature", g.Temperature)
		h.add(k+"power", g.PowerWatts)
	}
	h.add("host.cpu", s.Host.CPUPercent)
	h.add("host.ram", s.Host.RAMPercent)
	in := s.Inference
	var det, llm, img *float64
	if in.DetectorLatency != nil {
		det = in.DetectorLatency.P95
	}
	if in.LLMLatency != nil {
		llm = in.LLMLatency.P95
	}
	if in.Throughput != nil {
		img = in.Throughput.ImagesPerMin
	}
	h.add("inference.detect.p95", det)
	h.add("inference.analyze.p95", llm)
	h.add("throughput.images", img)
	var conns *float64
	if c := s.Databases.PostgreSQL.ConnectionsActive; c != nil {
		conns = snapshot.F(float64(*c))
	}
	h.add("pg.connections_active", conns)
	h.add("redis.memory_mb", snapshot.InMiB(s.Databases.Redis.MemoryUsedBytes))
	l := s.AIModels.Nemotron
	var slots *float64
	if l.SlotsActive != nil {
		slots = snapshot.F(float64(*l.SlotsActive))
	}
	h.add("llm.tokens_per_sec", l.TokensPerSecond)
	h.add("llm.slots_busy", slots)
}

// fakeEngine is a collector engine without sources: tests publish snapshots by hand.
type fakeEngine struct {
	ch        chan *snapshot.Snapshot
	latest    *snapshot.Snapshot
	collects  int
	cancelled bool
}

func newFakeEngine() *fakeEngine { return &fakeEngine{ch: make(chan *snapshot.Snapshot, 1)} }

func (e *fakeEngine) Subscribe() (<-chan *snapshot.Snapshot, func()) {
	return e.ch, func() { e.cancelled = true }
}
func (e *fakeEngine) CollectNow()                { e.collects++ }
func (e *fakeEngine) Interval() time.Duration    { return 5 * time.Second }
func (e *fakeEngine) Latest() *snapshot.Snapshot { return e.latest }

// scenario names the golden scenarios.
type scenario int

const (
	scHealthy     scenario = iota // 1 GPU, 8 workers, 6 services, no alert
	scAlerts                      // ten alerts, two workers stopped, the LLM restarting, Redis and the LLM stale
	scUnreachable                 // no source answers
	scAlerts3                     // three alerts
	scStale                       // Redis stale 10s: timeout
	scNoGPU                       // NVML runs but finds no driver
	scTwoGPUs                     // two GPUs, the first throttled
)

var scenarioNames = [...]string{"healthy", "ten_alerts", "unreachable", "three_alerts", "one_stale", "no_gpu", "two_gpus_throttled"}

func (s scenario) String() string { return scenarioNames[s] }

func sources(ts time.Time, stale map[string]string, never bool, names ...string) []snapshot.SourceStatus {
	var out []snapshot.SourceStatus
	for _, n := range names {
		ss := snapshot.SourceStatus{Source: snapshot.SourceName(n), OK: true, LastSuccess: snapshot.At(ts), AgeSeconds: snapshot.F(0), DurationMS: 3, Via: via(n)}
		if never {
			ss = snapshot.SourceStatus{Source: snapshot.SourceName(n), Error: n + ": dial tcp 127.0.0.1:1: connect: connection refused"}
		} else if e, ok := stale[n]; ok {
			ss.OK = false
			ss.Error = e
			ss.LastSuccess = snapshot.At(ts.Add(-41 * time.Second))
			ss.AgeSeconds = snapshot.F(41)
		}
		out = append(out, ss)
	}
	return out
}

func via(name string) string {
	switch name {
	case "nvml":
		return snapshot.ViaNVML
	case "prometheus":
		return snapshot.ViaPrometheus
	case "backend":
		return snapshot.ViaBackend
	case "redis":
		return snapshot.ViaRedis
	case "postgres":
		return snapshot.ViaSQL
	case "host", "self":
		return snapshot.ViaHost
	}
	return snapshot.ViaHTTP
}

var testSourceNames = []string{"backend", "containers", "detector", "host", "llm", "nvml", "postgres", "prometheus", "redis", "self"}

func sp(s string) *string { return &s }

// build returns tick i of a scenario: numbers move a little each tick so charts have shape.
func build(sc scenario, i int) *snapshot.Snapshot {
	ts := t0.Add(time.Duration(i) * 5 * time.Second)
	s := snapshot.New(ts)
	s.Hostname = "gpu-box"
	if sc == scUnreachable {
		s.Sources = sources(ts, nil, true, testSourceNames...)
		s.GPUStatus = snapshot.GPUStatus{Error: "NVML library not found (no NVIDIA driver installed)"}
		s.Overview.Error = "backend unreachable: connection refused"
		s.Workers.Error = "backend unreachable: connection refused"
		s.Inference.Errors = map[snapshot.Part]string{snapshot.PartDetect: "no source answered", snapshot.PartQueues: "redis unreachable"}
		s.Databases.PostgreSQL.Error = "connection refused"
		s.Databases.Redis.Error = "connection refused"
		for _, n := range []string{"backend", "frontend", "postgres", "redis", "ai-detector", "ai-llm"} {
			s.Containers = append(s.Containers, snapshot.Container{Name: n, Status: snapshot.ContainerUnknown, Health: snapshot.HealthNone,
				State: snapshot.StatusUnreachable, Timeline: repeat(snapshot.StatusUnreachable, min(i+1, 60)), Error: "connection refused"})
		}
		return s
	}
	wave := func(base, amp float64, period int) *float64 {
		return snapshot.Round(snapshot.F(base+amp*math.Sin(float64(i)*2*math.Pi/float64(period))), 1)
	}
	stale := map[string]string(nil)
	switch sc {
	case scAlerts:
		stale = map[string]string{"redis": "redis INFO: i/o timeout", "llm": "llm /slots: context deadline exceeded (timeout)"}
	case scStale:
		stale = map[string]string{"redis": "redis INFO: read tcp 127.0.0.1:52144->127.0.0.1:6379: i/o timeout"}
	}
	s.Sources = sources(ts, stale, false, testSourceNames...)
	if sc == scStale {
		for k := range s.Sources {
			if s.Sources[k].Source == "redis" {
				s.Sources[k].AgeSeconds = snapshot.F(10)
			}
		}
	}
	s.Overview = snapshot.Overview{CamerasTotal: snapshot.I(4), CamerasActive: snapshot.I(4), EventsTotal: snapshot.I(1234 + int64(i)),
		DetectionsTotal: snapshot.I(45678 + 7*int64(i)), UptimeSeconds: snapshot.F(5*86400 + 12*3600 + 30*60 + float64(i*5)), Source: snapshot.ViaBackend}
	ready := true
	s.Workers = snapshot.Workers{Ready: &ready, Source: snapshot.ViaBackend}
	for _, n := range []string{"gpu_monitor", "cleanup_service", "system_broadcaster", "file_watcher", "detection_worker", "analysis_worker", "batch_timeout_worker", "metrics_worker"} {
		s.Workers.List = append(s.Workers.List, snapshot.Worker{Name: n, Running: true, Critical: snapshot.CriticalWorkers[n], State: "running"})
	}
	s.GPUs = testGPUs(sc, wave)
	s.GPU = &s.GPUs[0]
	s.GPUStatus = snapshot.GPUStatus{Source: snapshot.ViaNVML}
	if sc == scNoGPU {
		s.GPUs, s.GPU = []snapshot.GPU{}, nil
		s.GPUStatus = snapshot.GPUStatus{Error: "NVML library not found (no NVIDIA driver installed)"}
	}
	s.AIModels.Detector = snapshot.Detector{Status: snapshot.StatusHealthy, VRAMUsedBytes: snapshot.U(182536110), Model: sp("rtdetr_r50vd_coco_o365"), Device: sp("cuda:0")}
	s.AIModels.Nemotron = snapshot.LLM{Status: snapshot.StatusHealthy, SlotsActive: snapshot.I(int64(i % 3)), SlotsTotal: snapshot.I(2), ContextSize: snapshot.I(4096),
		TokensPerSecond: wave(41, 10, 20), KVCacheUsageRatio: snapshot.F(0.12), Model: sp("Nemotron-3-Nano-30B-A3B-Q4_K_M")}
	s.Nemotron = s.AIModels.Nemotron
	s.Inference.DetectorLatency = &snapshot.Latency{Avg: wave(45, 5, 16), P95: wave(82, 15, 16), P99: snapshot.F(120), Samples: snapshot.I(409), Window: "5m", Source: snapshot.ViaBackend}
	s.Inference.LLMLatency = &snapshot.Latency{Avg: snapshot.F(2100), P95: wave(4800, 900, 20), P99: snapshot.F(8200), Samples: snapshot.I(12), Window: "5m", Source: snapshot.ViaBackend}
	s.Inference.PipelineLatency = &snapshot.Latency{Avg: snapshot.F(3200), P95: snapshot.F(6100), Window: "5m", Source: snapshot.ViaBackend}
	s.Inference.Throughput = &snapshot.Throughput{ImagesPerMin: wave(12.4, 4, 18), EventsPerMin: snapshot.F(2.1), Source: snapshot.ViaSQL}
	s.Inference.Queues = &snapshot.Queues{Detection: snapshot.I(0), Analysis: snapshot.I(int64(i % 2)), Source: snapshot.ViaRedis}
	s.Databases.PostgreSQL = snapshot.PostgreSQL{Status: snapshot.StatusHealthy, ConnectionsActive: snapshot.I(5 + int64(i%4)), ConnectionsMax: snapshot.I(100),
		CacheHitRatio: snapshot.F(98.2), TransactionsPerMin: snapshot.F(1200), ConnectionsMaxSource: "max_connections", DatabaseSizeBytes: snapshot.I(812 * snapshot.MiB)}
	s.Databases.Redis = snapshot.Redis{Status: snapshot.StatusHealthy, ConnectedClients: snapshot.I(8), BlockedClients: snapshot.I(0), MemoryUsedBytes: mibBytes(wave(1.44, 0.2, 10)),
		HitRatio: snapshot.F(97.5), Version: "7.2.4"}
	s.Host = snapshot.Host{CPUPercent: wave(12, 8, 12), MemoryUsedBytes: snapshot.U(8804682957), MemoryTotalBytes: snapshot.U(33608119091), RAMPercent: snapshot.F(26.2),
		DiskUsedBytes: snapshot.U(156 << 30), DiskTotalBytes: snapshot.U(500 << 30), DiskPercent: snapshot.F(31.2), CPUCount: 16, Load: []float64{0.52, 0.4, 0.33},
		NetRxBytesSec: snapshot.F(1.2 * snapshot.MiB), NetTxBytesSec: snapshot.F(300 * 1024), UptimeSeconds: snapshot.F(9 * 86400),
		Mounts: []snapshot.Mount{{Path: "/", UsedBytes: 156 << 30, TotalBytes: 500 << 30, Percent: snapshot.F(31.2)},
			{Path: "/srv/recordings", UsedBytes: 1300 << 30, TotalBytes: 2000 << 30, Percent: snapshot.F(65)}}}
	if sc == scAlerts || sc == scAlerts3 {
		s.Host.Mounts[1].UsedBytes, s.Host.Mounts[1].Percent = 1700<<30, snapshot.F(85)
	}
	s.Self = snapshot.Self{CPUPercent: snapshot.F(0.4), RSSBytes: snapshot.U(18 * snapshot.MiB), Goroutines: 30}
	for _, n := range []string{"backend", "frontend", "postgres", "redis", "ai-detector", "ai-llm"} {
		c := snapshot.Container{Name: n, Status: snapshot.ContainerRunning, Health: snapshot.HealthHealthy, State: snapshot.HealthHealthy,
			Timeline: repeat(snapshot.HealthHealthy, min(i+1, 60)), LastChange: snapshot.At(t0.Add(-2 * time.Hour))}
		s.Containers = append(s.Containers, c)
	}
	if sc == scAlerts3 {
		s.Databases.Redis.MemoryUsedBytes = snapshot.I(512 << 20)
		s.Databases.PostgreSQL.ConnectionsActive = snapshot.I(97)
		s.Alerts = threeAlerts(ts)
	}
	if sc == scAlerts {
		applyTenAlerts(s, ts)
	}
	return s
}

func repeat(s string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = s
	}
	return out
}

// ticks is how many snapshots each scenario replays: 15 minutes, so 5m and 15m differ.
const ticks = 180

// newTestModel replays a scenario's snapshots into a model at w×h with the ASCII profile,
// a fixed clock and UTC, and returns it with its history.
func newTestModel(sc scenario, n, w, h int) (*Model, *fakeHistory, *fakeEngine, *clock.Fake) {
	hist := newFakeHistory()
	eng := newFakeEngine()
	clk := clock.NewFake(t0)
	r := lipgloss.NewRenderer(nil)
	r.SetColorProfile(termenv.Ascii)
	r.SetHasDarkBackground(true)
	m := New(Options{Engine: eng, History: hist, Renderer: r, Clock: clk, Location: time.UTC})
	m.Update(sizeMsg(w, h))
	for i := 0; i < n; i++ {
		s := build(sc, i)
		hist.record(s)
		clk.Set(s.Timestamp.Time.Add(1500 * time.Millisecond))
		m.Update(SnapshotMsg{s})
	}
	return m, hist, eng, clk
}

func asciiRenderer() *lipgloss.Renderer {
	r := lipgloss.NewRenderer(nil)
	r.SetColorProfile(termenv.Ascii)
	r.SetHasDarkBackground(true)
	return r
}

func trueColorRenderer() *lipgloss.Renderer {
	r := lipgloss.NewRenderer(nil)
	r.SetColorProfile(termenv.TrueColor)
	r.SetHasDarkBackground(true)
	return r
}

func intp(i int) *int { return &i }

// threeAlerts is the three-alert scenario's alerts: the 120×40 acceptance case.
func threeAlerts(ts time.Time) []snapshot.Alert {
	since := snapshot.Time{Time: t0.Add(-3 * time.Minute)}
	return []snapshot.Alert{
		{Severity: snapshot.SeverityCritical, Metric: "redis_memory", Value: 512, Threshold: 500, Message: "Redis memory critical: 512.0MB", Since: snapshot.Time{Time: t0.Add(-12 * time.Minute)}, Peak: 530},
		{Severity: snapshot.SeverityCritical, Metric: "pg_connections", Value: 97, Threshold: 95, Message: "PostgreSQL connections critical: 97/100", Since: since, Peak: 97},
		{Severity: snapshot.SeverityWarning, Metric: "host_disk", Object: "/srv/recordings", Value: 85, Threshold: 80, Message: "Disk /srv/recordings high: 85.0%", Since: snapshot.Time{Time: ts.Add(-50 * time.Hour)}, Peak: 85},
	}
}

// mibBytes is a MiB figure in bytes (the fixtures are written in the panels' units).
func mibBytes(mib *float64) *int64 {
	if mib == nil {
		return nil
	}
	return snapshot.I(int64(*mib * snapshot.MiB))
}

// applyTenAlerts makes s the ten-alert scenario: Redis and PostgreSQL past their levels,
// the LLM container restarting, two workers stopped, the CPU busy, one cleared alert.
func applyTenAlerts(s *snapshot.Snapshot, ts time.Time) {
	s.Databases.Redis.MemoryUsedBytes = snapshot.I(512 << 20)
	s.Databases.PostgreSQL.ConnectionsActive = snapshot.I(97)
	llmC := &s.Containers[5]
	llmC.State, llmC.Health = snapshot.HealthStarting, snapshot.HealthStarting
	for k := range llmC.Timeline {
		if k >= len(llmC.Timeline)-8 {
			llmC.Timeline[k] = snapshot.HealthStarting
		} else if k >= len(llmC.Timeline)-14 {
			llmC.Timeline[k] = snapshot.StatusUnreachable
		}
	}
	llmC.LastChange = snapshot.At(ts.Add(-40 * time.Second))
	s.AIModels.Nemotron.Status = snapshot.StatusLoading
	s.Workers.List[5].Running, s.Workers.List[5].State, s.Workers.List[5].Message = false, "stopped", "State: stopped"
	s.Workers.List[7].Running, s.Workers.List[7].State, s.Workers.List[7].Message = false, "stopped", "Not running"
	*s.Workers.Ready = false
	since := snapshot.Time{Time: t0.Add(-3 * time.Minute)}
	s.Alerts = []snapshot.Alert{
		{Severity: snapshot.SeverityWarning, Metric: "gpu_temperature", Value: 82, Threshold: 75, Message: "GPU temperature high: 82°C", Object: "gpu0", Since: since, Peak: 83},
		{Severity: snapshot.SeverityCritical, Metric: "redis_memory", Value: 512, Threshold: 500, Message: "Redis memory critical: 512.0MB", Since: snapshot.Time{Time: t0.Add(-12 * time.Minute)}, Peak: 530},
		{Severity: snapshot.SeverityCritical, Metric: "pg_connections", Value: 97, Threshold: 95, Message: "PostgreSQL connections critical: 97/100", Since: since, Peak: 97},
		{Severity: snapshot.SeverityWarning, Metric: "host_disk", Object: "/srv/recordings", Value: 85, Threshold: 80, Message: "Disk /srv/recordings high: 85.0%", Since: snapshot.Time{Time: t0.Add(-50 * time.Hour)}, Peak: 85},
		{Severity: snapshot.SeverityWarning, Metric: "container_health", Value: 1, Threshold: 1, Message: "Container unhealthy: ai-llm", Since: since, Peak: 1},
		{Severity: snapshot.SeverityWarning, Metric: "host_ram", Value: 86, Threshold: 85, Message: "RAM high: 86.0%", Since: since, Peak: 86},
		{Severity: snapshot.SeverityCritical, Metric: "gpu_utilization", Object: "gpu0", Value: 99, Threshold: 98, Message: "GPU utilization critical: 99%", Since: since, Peak: 100},
		{Severity: snapshot.SeverityWarning, Metric: "gpu_power", Object: "gpu0", Value: 229, Threshold: 300, Message: "GPU power high: 229 W", Since: since, Peak: 231},
		{Severity: snapshot.SeverityWarning, Metric: "nemotron_latency_p95", Value: 12400, Threshold: 10000, Message: "LLM latency p95 high: 12.4s", Since: since, Peak: 14100},
		{Severity: snapshot.SeverityWarning, Metric: "host_cpu", Value: 91, Threshold: 80, Message: "CPU high: 91.0%", Since: since, Peak: 97},
	}
	s.Host.CPUPercent, s.Host.Load = snapshot.F(91), []float64{8.97, 6.1, 4.2}
	s.AlertLog = []snapshot.AlertLogEntry{
		{Severity: snapshot.SeverityWarning, Metric: "rtdetr_latency_p95", Message: "Detector latency p95 high: 240 ms", Threshold: 200, Peak: 260,
			Raised: snapshot.Time{Time: t0.Add(-30 * time.Minute)}, Cleared: snapshot.At(t0.Add(-26 * time.Minute)), DurationSeconds: 240},
	}
}

// testGPUs is the scenario's devices: an RTX A5500 holding the LLM and the detector, and
// for the throttling scenarios a second, idle RTX A2000 with the first one power-capped.
func testGPUs(sc scenario, wave func(base, amp float64, period int) *float64) []snapshot.GPU {
	total := uint64(24 * snapshot.GiB)
	llmB, detB := uint64(21*snapshot.GiB), uint64(174*snapshot.MiB)
	used := llmB + detB + 300*snapshot.MiB
	util := wave(38, 20, 24)
	temp := wave(62, 6, 40)
	vramPct := snapshot.Percent(float64(used), float64(total))
	if sc == scAlerts {
		temp = snapshot.F(82)
	}
	g := snapshot.GPU{Name: "NVIDIA RTX A5500", Index: 0, Utilization: util,
		VRAMPercent: vramPct, Temperature: temp, PowerWatts: wave(95, 40, 30), MemoryTotalBytes: snapshot.U(total), MemoryUsedBytes: snapshot.U(used),
		MemoryFreeBytes: snapshot.U(total - used), Source: snapshot.ViaNVML,
		Services: []snapshot.ServiceVRAM{{Service: "ai-llm", UsedBytes: llmB, Processes: 1}, {Service: "ai-detector", UsedBytes: detB, Processes: 1}, {Service: "unknown", UsedBytes: 300 * snapshot.MiB, Processes: 1}}}
	g.PowerLimitWatts, g.SMClockMHz, g.PerformanceState = snapshot.F(230), snapshot.F(1740), intp(2)
	g.ThrottleReasons = []string{}
	g.Processes = []snapshot.GPUProcess{{PID: 4242, Service: "ai-llm", Type: "compute", UsedBytes: snapshot.U(llmB)}, {PID: 4310, Service: "ai-detector", Type: "compute", UsedBytes: snapshot.U(detB)}}
	gpus := []snapshot.GPU{g}
	if sc == scTwoGPUs || sc == scAlerts {
		g.Utilization, g.Temperature, g.PowerWatts = snapshot.F(99), snapshot.F(86), snapshot.F(229)
		g.SMClockMHz, g.PerformanceState = snapshot.F(1320), intp(0)
		g.ThrottleReasons = []string{"sw_power_cap", "hw_thermal_slowdown"}
		g2 := g
		g2.Index, g2.Name, g2.Utilization, g2.Temperature, g2.PowerWatts = 1, "NVIDIA RTX A2000", wave(5, 4, 12), snapshot.F(41), snapshot.F(12)
		g2.PowerLimitWatts, g2.SMClockMHz, g2.PerformanceState, g2.ThrottleReasons = snapshot.F(70), snapshot.F(210), intp(8), []string{"gpu_idle"}
		g2.VRAMPercent, g2.MemoryUsedBytes = snapshot.F(2.5), snapshot.U(300*snapshot.MiB)
		g2.MemoryTotalBytes, g2.MemoryFreeBytes = snapshot.U(12*snapshot.GiB), snapshot.U(12*snapshot.GiB-300*snapshot.MiB)
		g2.Services, g2.Processes = []snapshot.ServiceVRAM{}, []snapshot.GPUProcess{}
		gpus = []snapshot.GPU{g, g2}
	}
	return gpus
}
