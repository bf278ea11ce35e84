package wire

import (
	"math"

	"github.com/hsi-top/hsi-top/snapshot"
)

// Snapshot is the snapshot a recorded performance_update's data describes, back in base
// units: for tests and tools that replay the page's frames (the fixtures, feedload).
// Values the page rounded stay rounded.
func (p *PerformanceData) Snapshot() *snapshot.Snapshot {
	s := snapshot.New(p.Timestamp.Time)
	s.AIModels = snapshot.AIModels{DetectorKey: p.AIModels.DetectorKey, Detector: fromDetector(p.AIModels.Detector), Nemotron: fromLLM(p.AIModels.Nemotron)}
	if s.AIModels.DetectorKey == "" {
		s.AIModels.DetectorKey = snapshot.DefaultDetectorKey
	}
	s.Nemotron = fromLLM(p.Nemotron)
	s.Inference = fromInference(p.Inference)
	s.Databases = snapshot.Databases{PostgreSQL: fromPostgres(p.Databases.PostgreSQL), Redis: fromRedis(p.Databases.Redis)}
	s.Host = fromHost(p.Host)
	for _, c := range p.Containers {
		s.Containers = append(s.Containers, snapshot.Container{Name: c.Name, Status: c.Status, Health: c.Health, Probe: c.Probe,
			State: c.State, Timeline: c.Timeline, LastChange: c.LastChange, LatencyMS: c.LatencyMS, Error: c.Error, Runtime: c.Runtime})
	}
	if p.Alerts != nil {
		s.Alerts = p.Alerts
	}
	s.SchemaVersion, s.Hostname = p.SchemaVersion, p.Hostname
	if p.GPU != nil {
		g := fromGPU(*p.GPU)
		s.GPU = &g
	}
	for _, g := range p.GPUs {
		s.GPUs = append(s.GPUs, fromGPU(g))
	}
	s.GPUStatus, s.Overview = p.GPUStatus, p.Overview
	if p.Workers.List != nil {
		s.Workers = p.Workers
	}
	if p.AlertLog != nil {
		s.AlertLog = p.AlertLog
	}
	if p.Sources != nil {
		s.Sources = p.Sources
	}
	s.Self = snapshot.Self{CPUPercent: p.Self.CPUPercent, RSSBytes: p.Self.RSSBytes, Goroutines: p.Self.Goroutines}
	s.ContainerRuntime = p.ContainerRuntime
	return s
}

func fromGPU(g GPU) snapshot.GPU {
	return snapshot.GPU{
		Name: g.Name, Utilization: g.Utilization,
		VRAMPercent: g.VRAMPercent, Temperature: g.Temperature, PowerWatts: g.PowerWatts,
		Index: g.Index, UUID: g.UUID, MemoryUtilization: g.MemoryUtilization,
		MemoryUsedBytes: orBytes(g.MemoryUsedBytes, g.VRAMUsedGB), MemoryTotalBytes: orBytes(g.MemoryTotalBytes, g.VRAMTotalGB),
		MemoryFreeBytes: g.MemoryFreeBytes,
		PowerLimitWatts: g.PowerLimitWatts, SMClockMHz: g.SMClockMHz, FanPercent: g.FanPercent,
		PerformanceState: g.PerformanceState, ThrottleReasons: g.ThrottleReasons,
		Processes: g.Processes, Services: g.Services, Source: g.Source,
		ClockEvents: g.ClockEvents, Xids: g.Xids, PCIe: g.PCIe, ECC: g.ECC,
		EncoderUtilization: g.EncoderUtilization, DecoderUtilization: g.DecoderUtilization, VRAM: g.VRAM,
	}
}

// orBytes is the exact byte count when the frame has one, else the page's GiB in bytes.
func orBytes(b *uint64, gib *float64) *uint64 {
	if b != nil {
		return b
	}
	return gibBytes(gib)
}

func gibBytes(gib *float64) *uint64 {
	if gib == nil || *gib < 0 {
		return nil
	}
	return snapshot.U(uint64(math.Round(*gib * snapshot.GiB)))
}

func mibBytes(mib *float64) *int64 {
	if mib == nil || *mib < 0 {
		return nil
	}
	return snapshot.I(int64(math.Round(*mib * snapshot.MiB)))
}

func fromDetector(d Detector) snapshot.Detector {
	return snapshot.Detector{
		Status: d.Status, VRAMUsedBytes: gibBytes(d.VRAMGB), Model: d.Model, Device: d.Device,
		ModelLoaded: d.ModelLoaded, CUDAAvailable: d.CUDAAvailable,
		GPUUtilization: d.GPUUtilization, Temperature: d.Temperature, PowerWatts: d.PowerWatts,
		TensorRTEnabled: d.TensorRTEnabled, Error: d.Error,
	}
}

func fromLLM(l LLM) snapshot.LLM {
	return snapshot.LLM(l)
}

func fromInference(in Inference) snapshot.Inference {
	out := snapshot.Inference{DetectorKey: in.DetectorKey, Errors: in.Errors,
		DetectorLatency: fromLatency(in.DetectorLatency), LLMLatency: fromLatency(in.LLMLatency), PipelineLatency: fromLatency(in.PipelineLatency)}
	if out.DetectorKey == "" {
		out.DetectorKey = snapshot.DefaultDetectorKey
	}
	if t := in.Throughput; t != nil {
		out.Throughput = &snapshot.Throughput{ImagesPerMin: t.ImagesPerMin, EventsPerMin: t.EventsPerMin, Source: t.Source}
	}
	if q := in.Queues; q != nil {
		c := snapshot.Queues(*q)
		out.Queues = &c
	}
	return out
}

func fromLatency(l *Latency) *snapshot.Latency {
	if l == nil {
		return nil
	}
	c := snapshot.Latency(*l)
	return &c
}

func fromPostgres(pg PostgreSQL) snapshot.PostgreSQL { return snapshot.PostgreSQL(pg) }

func fromRedis(r Redis) snapshot.Redis {
	return snapshot.Redis{
		Status: r.Status, ConnectedClients: r.ConnectedClients, MemoryUsedBytes: mibBytes(r.MemoryMB), HitRatio: r.HitRatio,
		BlockedClients: r.BlockedClients, HitRatioNote: r.HitRatioNote, MaxMemoryBytes: mibBytes(r.MaxMemoryMB),
		EvictedKeys:  r.EvictedKeys,
		OpsPerSecond: r.OpsPerSecond, Version: r.Version, PingMS: r.PingMS, Error: r.Error,
	}
}

func fromHost(h Host) snapshot.Host {
	out := snapshot.Host{CPUPercent: h.CPUPercent, MemoryUsedBytes: gibBytes(h.RAMUsedGB), MemoryTotalBytes: gibBytes(h.RAMTotalGB), RAMPercent: h.RAMPercent,
		DiskUsedBytes: gibBytes(h.DiskUsedGB), DiskTotalBytes: gibBytes(h.DiskTotalGB), DiskPercent: h.DiskPercent,
		CPUPerCore: h.CPUPerCore, CPUCount: h.CPUCount, Load: h.Load,
		NetRxBytesSec: h.NetRxBytesSec, NetTxBytesSec: h.NetTxBytesSec, UptimeSeconds: h.UptimeSeconds}
	for _, m := range h.Mounts {
		out.Mounts = append(out.Mounts, snapshot.Mount{Path: m.Path, UsedBytes: m.UsedBytes, TotalBytes: m.TotalBytes, Percent: m.Percent, Error: m.Error})
	}
	return out
}
