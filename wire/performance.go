package wire

import (
	"math"

	"github.com/hsi-top/hsi-top/snapshot"
)

// Performance is performance_update's data for s without the page rules (--once --json:
// null for every unknown); Page applies them for the page's wire. Nil for a nil s.
// It copies what it rounds and shares the rest (slices of the immutable snapshot).
func Performance(s *snapshot.Snapshot) *PerformanceData {
	if s == nil {
		return nil
	}
	p := &PerformanceData{
		Timestamp:        s.Timestamp,
		AIModels:         AIModels{DetectorKey: s.AIModels.DetectorKey, Detector: detector(s.AIModels.Detector), Nemotron: llm(s.AIModels.Nemotron)},
		Nemotron:         llm(s.Nemotron),
		Inference:        inference(s.Inference),
		Databases:        Databases{PostgreSQL: postgres(s.Databases.PostgreSQL), Redis: redis(s.Databases.Redis)},
		Host:             host(s.Host),
		Containers:       containers(s.Containers),
		Alerts:           alerts(s.Alerts),
		SchemaVersion:    s.SchemaVersion,
		Hostname:         s.Hostname,
		GPUs:             make([]GPU, len(s.GPUs)),
		GPUStatus:        s.GPUStatus,
		Overview:         s.Overview,
		Workers:          s.Workers,
		AlertLog:         alertLog(s.AlertLog),
		Sources:          s.Sources,
		Self:             Self{CPUPercent: round(s.Self.CPUPercent, 1), RSSBytes: s.Self.RSSBytes, Goroutines: s.Self.Goroutines},
		ContainerRuntime: s.ContainerRuntime,
	}
	if s.GPU != nil {
		g := gpu(*s.GPU)
		p.GPU = &g
	}
	for i := range s.GPUs {
		p.GPUs[i] = gpu(s.GPUs[i])
	}
	return p
}

// TrimAlertLog keeps the newest n entries of the alert log (frames carry 20, history
// points none; GET /api/system/alerts serves the whole log).
func (p *PerformanceData) TrimAlertLog(n int) {
	if n < len(p.AlertLog) {
		p.AlertLog = p.AlertLog[:max(0, n)]
	}
}

// round returns v rounded to the given number of decimals; nil stays nil.
func round(v *float64, decimals int) *float64 { return snapshot.Round(v, decimals) }

// gib is a byte count in GiB, two decimals: the page's "GB".
func gib(b *uint64) *float64 {
	if b == nil {
		return nil
	}
	return snapshot.Round(snapshot.F(float64(*b)/snapshot.GiB), 2)
}

// mib is a byte count in MiB, two decimals: the page's "MB".
func mib(b *int64) *float64 {
	if b == nil {
		return nil
	}
	return snapshot.Round(snapshot.F(float64(*b)/snapshot.MiB), 2)
}

func gpu(g snapshot.GPU) GPU {
	return GPU{
		Name: g.Name, Utilization: round(g.Utilization, 1),
		VRAMUsedGB: gib(g.MemoryUsedBytes), VRAMTotalGB: gib(g.MemoryTotalBytes),
		VRAMPercent: round(g.VRAMPercent, 2), Temperature: round(g.Temperature, 1), PowerWatts: round(g.PowerWatts, 1),
		Index: g.Index, UUID: g.UUID, MemoryUtilization: g.MemoryUtilization,
		MemoryUsedBytes: g.MemoryUsedBytes, MemoryTotalBytes: g.MemoryTotalBytes, MemoryFreeBytes: g.MemoryFreeBytes,
		PowerLimitWatts: round(g.PowerLimitWatts, 1), SMClockMHz: g.SMClockMHz, FanPercent: g.FanPercent,
		PerformanceState: g.PerformanceState, ThrottleReasons: g.ThrottleReasons,
		Processes: g.Processes, Services: g.Services, Source: g.Source,
		ClockEvents: g.ClockEvents, Xids: g.Xids, PCIe: g.PCIe, ECC: g.ECC,
		EncoderUtilization: g.EncoderUtilization, DecoderUtilization: g.DecoderUtilization, VRAM: g.VRAM,
	}
}

func detector(d snapshot.Detector) Detector {
	return Detector{
		Status: d.Status, VRAMGB: gib(d.VRAMUsedBytes), Model: d.Model, Device: d.Device,
		ModelLoaded: d.ModelLoaded, CUDAAvailable: d.CUDAAvailable,
		GPUUtilization: round(d.GPUUtilization, 1), Temperature: round(d.Temperature, 1), PowerWatts: round(d.PowerWatts, 1),
		TensorRTEnabled: d.TensorRTEnabled, Error: d.Error,
	}
}

func llm(l snapshot.LLM) LLM {
	return LLM{
		Status: l.Status, SlotsActive: l.SlotsActive, SlotsTotal: l.SlotsTotal, ContextSize: l.ContextSize,
		Slots: l.Slots, SlotsError: l.SlotsError, Model: l.Model,
		TokensPerSecond: round(l.TokensPerSecond, 2), PromptTokensPerSecond: round(l.PromptTokensPerSecond, 2),
		KVCacheUsageRatio:  round(l.KVCacheUsageRatio, 4),
		RequestsProcessing: l.RequestsProcessing, RequestsDeferred: l.RequestsDeferred,
		MetricsError: l.MetricsError, Error: l.Error,
		ModelFile: l.ModelFile, NCtx: l.NCtx, GPULayers: l.GPULayers, ModelLayers: l.ModelLayers,
		ModelSizeBytes: l.ModelSizeBytes, PropsError: l.PropsError, VRAMUsedBytes: l.VRAMUsedBytes, OffloadWarning: l.OffloadWarning,
	}
}

func inference(in snapshot.Inference) Inference {
	out := Inference{
		DetectorKey:     in.DetectorKey,
		DetectorLatency: latency(in.DetectorLatency),
		LLMLatency:      latency(in.LLMLatency),
		PipelineLatency: latency(in.PipelineLatency),
		Errors:          in.Errors,
	}
	if t := in.Throughput; t != nil {
		out.Throughput = &Throughput{ImagesPerMin: round(t.ImagesPerMin, 2), EventsPerMin: round(t.EventsPerMin, 2), Source: t.Source}
	}
	if q := in.Queues; q != nil {
		out.Queues = &Queues{Detection: q.Detection, Analysis: q.Analysis, DetectionKey: q.DetectionKey, AnalysisKey: q.AnalysisKey, Source: q.Source}
	}
	return out
}

func latency(l *snapshot.Latency) *Latency {
	if l == nil {
		return nil
	}
	return &Latency{Avg: round(l.Avg, 2), P95: round(l.P95, 2), P99: round(l.P99, 2), Samples: l.Samples, Window: l.Window, Source: l.Source, Note: l.Note}
}

func postgres(pg snapshot.PostgreSQL) PostgreSQL {
	return PostgreSQL{
		Status: pg.Status, ConnectionsActive: pg.ConnectionsActive, ConnectionsMax: pg.ConnectionsMax,
		CacheHitRatio: round(pg.CacheHitRatio, 1), TransactionsPerMin: round(pg.TransactionsPerMin, 1),
		ConnectionsTotal: pg.ConnectionsTotal, ConnectionsMaxSource: pg.ConnectionsMaxSource,
		DatabaseSizeBytes: pg.DatabaseSizeBytes, LongestTxSeconds: round(pg.LongestTxSeconds, 3),
		PingMS: round(pg.PingMS, 3), Error: pg.Error,
	}
}

func redis(r snapshot.Redis) Redis {
	return Redis{
		Status: r.Status, ConnectedClients: r.ConnectedClients, MemoryMB: mib(r.MemoryUsedBytes),
		HitRatio: round(r.HitRatio, 2), BlockedClients: r.BlockedClients, HitRatioNote: r.HitRatioNote,
		MaxMemoryMB: mib(r.MaxMemoryBytes),
		EvictedKeys: r.EvictedKeys, OpsPerSecond: r.OpsPerSecond, Version: r.Version,
		PingMS: round(r.PingMS, 3), Error: r.Error,
	}
}

func host(h snapshot.Host) Host {
	out := Host{
		CPUPercent: round(h.CPUPercent, 1),
		RAMUsedGB:  gib(h.MemoryUsedBytes), RAMTotalGB: gib(h.MemoryTotalBytes), RAMPercent: round(h.RAMPercent, 1),
		DiskUsedGB: gib(h.DiskUsedBytes), DiskTotalGB: gib(h.DiskTotalBytes), DiskPercent: round(h.DiskPercent, 1),
		CPUCount: h.CPUCount, Load: h.Load,
		NetRxBytesSec: round(h.NetRxBytesSec, 0), NetTxBytesSec: round(h.NetTxBytesSec, 0),
		UptimeSeconds: h.UptimeSeconds,
	}
	if h.CPUPerCore != nil {
		out.CPUPerCore = make([]float64, len(h.CPUPerCore))
		for i, c := range h.CPUPerCore {
			out.CPUPerCore[i] = math.Round(c*10) / 10
		}
	}
	if h.Mounts != nil {
		out.Mounts = make([]Mount, len(h.Mounts))
		for i, m := range h.Mounts {
			out.Mounts[i] = Mount{Path: m.Path, UsedBytes: m.UsedBytes, TotalBytes: m.TotalBytes,
				Percent: round(m.Percent, 1), Error: m.Error}
			if m.Error == "" {
				out.Mounts[i].UsedGB, out.Mounts[i].TotalGB = gib(&m.UsedBytes), gib(&m.TotalBytes)
			}
		}
	}
	return out
}

func containers(cs snapshot.Containers) []Container {
	if cs == nil {
		return nil
	}
	out := make([]Container, len(cs))
	for i, c := range cs {
		out[i] = Container{Name: c.Name, Status: c.Status, Health: c.Health, Probe: c.Probe, State: c.State,
			Timeline: c.Timeline, LastChange: c.LastChange, LatencyMS: round(c.LatencyMS, 3), Error: c.Error, Runtime: c.Runtime}
	}
	return out
}

// alerts copies the active alerts with their values at two decimals.
func alerts(as []snapshot.Alert) []snapshot.Alert {
	if as == nil {
		return nil
	}
	out := make([]snapshot.Alert, len(as))
	for i, a := range as {
		a.Value, a.Peak = round2(a.Value), round2(a.Peak)
		out[i] = a
	}
	return out
}

func alertLog(log []snapshot.AlertLogEntry) []snapshot.AlertLogEntry {
	if log == nil {
		return nil
	}
	out := make([]snapshot.AlertLogEntry, len(log))
	for i, e := range log {
		e.Peak = round2(e.Peak)
		out[i] = e
	}
	return out
}

func round2(v float64) float64 { return math.Round(v*100) / 100 }
