package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/hsi-top/hsi-top/config"
	tf "github.com/hsi-top/hsi-top/internal/textfmt"
	"github.com/hsi-top/hsi-top/snapshot"
	"github.com/hsi-top/hsi-top/wire"
)

// runOnce collects twice, one interval apart (so CPU %, rates and deltas are real), prints
// the second snapshot and exits with the alert status.
func runOnce(ctx context.Context, cfg config.Config, asJSON bool, stdout, stderr io.Writer) int {
	eng, built, err := newEngine(cfg)
	if err != nil {
		fmt.Fprintf(stderr, "hsi-top: %v\n", err)
		return exitUnknown
	}
	defer closeBuilt(built, stderr)
	eng.Tick(ctx)
	select {
	case <-ctx.Done():
		fmt.Fprintln(stderr, "hsi-top: interrupted")
		return exitUnknown
	case <-time.After(cfg.Interval.D()):
	}
	s := eng.Tick(ctx)
	if asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(wire.Performance(s)); err != nil {
			fmt.Fprintf(stderr, "hsi-top: encoding the snapshot: %v\n", err)
			return exitUnknown
		}
	} else {
		writeSummary(stdout, s)
	}
	return alertStatus(s)
}

// alertStatus maps the active alerts to the exit code: 2 critical, 1 warning, 0 none.
func alertStatus(s *snapshot.Snapshot) int {
	code := exitOK
	for _, a := range s.Alerts {
		switch a.Severity {
		case snapshot.SeverityCritical:
			return exitCritical
		case snapshot.SeverityWarning:
			code = exitWarning
		}
	}
	return code
}

// writeSummary prints a readable report of one snapshot, one section a paragraph.
func writeSummary(w io.Writer, s *snapshot.Snapshot) {
	p := func(format string, a ...any) { fmt.Fprintf(w, format+"\n", a...) }
	p("hsi-top  %s  %s", s.Hostname, s.Timestamp.Format(time.RFC3339))
	if len(s.Alerts) == 0 {
		p("alerts   none")
	}
	for _, a := range s.Alerts {
		label := "WARN"
		if a.Severity == snapshot.SeverityCritical {
			label = "CRIT"
		}
		p("alert    %s %s", label, a.Message)
	}
	h := s.Host
	p("host     cpu %s  ram %s (%s)  load %s  uptime %s",
		tf.Pct(h.CPUPercent), tf.UsedOf(snapshot.InGiB(h.MemoryUsedBytes), snapshot.InGiB(h.MemoryTotalBytes), 1, " GiB"), tf.Pct(h.RAMPercent),
		tf.Load(h.Load), tf.Uptime(h.UptimeSeconds))
	for _, m := range h.Mounts {
		if m.Error != "" {
			p("disk     %s: %s", m.Path, m.Error)
			continue
		}
		p("disk     %s %s (%s)", m.Path, tf.UsedOf(snapshot.InGiB(&m.UsedBytes), snapshot.InGiB(&m.TotalBytes), 1, " GiB"), tf.Pct(m.Percent))
	}
	p("net      rx %s  tx %s", tf.Rate(h.NetRxBytesSec), tf.Rate(h.NetTxBytesSec))
	if len(s.GPUs) == 0 {
		p("gpu      none: %s", tf.OrDash(s.GPUStatus.Error))
	}
	for _, g := range s.GPUs {
		p("gpu%d     %s  util %s%%  vram %s  %s°C  %s W  (via %s)", g.Index, g.Name,
			tf.Fixed(g.Utilization, 0), tf.UsedOf(snapshot.InGiB(g.MemoryUsedBytes), snapshot.InGiB(g.MemoryTotalBytes), 1, " GiB"),
			tf.Fixed(g.Temperature, 0), tf.Fixed(g.PowerWatts, 0), g.Source)
		for _, sv := range g.Services {
			p("           %-20s %s", sv.Service, tf.Bytes(float64(sv.UsedBytes)))
		}
	}
	d := s.AIModels.Detector
	p("detector %s  model %s  device %s  vram %s%s", d.Status, tf.Str(d.Model), tf.Str(d.Device), tf.Unit(snapshot.InGiB(d.VRAMUsedBytes), 2, " GiB"), reason(d.Error))
	l := s.AIModels.Nemotron
	p("llm      %s  slots %s/%s  ctx %s  tok/s %s%s", l.Status, tf.Int(l.SlotsActive), tf.Int(l.SlotsTotal), tf.Int(l.ContextSize), tf.Fixed(l.TokensPerSecond, 1), reason(l.Error))
	in := s.Inference
	p("latency  detect %s  analyze %s  pipeline %s", latencyString(in.DetectorLatency), latencyString(in.LLMLatency), latencyString(in.PipelineLatency))
	if in.Throughput != nil {
		p("through  %s img/min  %s events/min (via %s)", tf.Fixed(in.Throughput.ImagesPerMin, 1), tf.Fixed(in.Throughput.EventsPerMin, 1), in.Throughput.Source)
	}
	if in.Queues != nil {
		p("queues   detection %s  analysis %s (via %s)", tf.Int(in.Queues.Detection), tf.Int(in.Queues.Analysis), in.Queues.Source)
	}
	pg := s.Databases.PostgreSQL
	p("postgres %s  conns %s/%s  cache hit %s  tx/min %s%s", pg.Status, tf.Int(pg.ConnectionsActive), tf.Int(pg.ConnectionsMax), tf.Pct(pg.CacheHitRatio), tf.RoundInt(pg.TransactionsPerMin), reason(pg.Error))
	r := s.Databases.Redis
	p("redis    %s  clients %s  mem %s  hit ratio %s%s", r.Status, tf.Int(r.ConnectedClients), tf.Unit(snapshot.InMiB(r.MemoryUsedBytes), 2, " MB"), tf.Pct(r.HitRatio), reason(r.Error))
	if len(s.Containers) > 0 {
		var parts []string
		for _, c := range s.Containers {
			parts = append(parts, c.Name+":"+c.State)
		}
		p("services %s", strings.Join(parts, "  "))
	}
	for _, src := range s.Sources {
		if !src.OK {
			p("source   %s stale: %s", src.Source, tf.OrDash(src.Error))
		}
	}
}

func latencyString(l *snapshot.Latency) string {
	if l == nil {
		return tf.Dash
	}
	return "avg " + tf.MS(l.Avg) + " p95 " + tf.MS(l.P95)
}

func reason(s string) string {
	if s == "" {
		return ""
	}
	return "  (" + s + ")"
}
