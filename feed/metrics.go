package feed

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/shirou/gopsutil/v4/process"

	"github.com/hsi-top/hsi-top/notify"
	"github.com/hsi-top/hsi-top/snapshot"
)

// metricsContentType is the text exposition format's media type.
const metricsContentType = "text/plain; version=0.0.4; charset=utf-8"

// handleMetrics is GET /metrics.
func (s *Server) handleMetrics(w http.ResponseWriter, r *http.Request) {
	body := s.renderMetrics(r.Context())
	h := w.Header()
	h.Set("Content-Type", metricsContentType)
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	w.Write(body)
}

// label is one name="value" pair.
type label struct{ name, value string }

// sample is one line of a family.
type sample struct {
	labels []label
	value  float64
}

// expo writes the text exposition format.
type expo struct {
	b bytes.Buffer
}

// family writes a metric family: HELP, TYPE and its samples, together. A family with
// no sample is left out (an unknown number is a missing sample, never a 0).
func (e *expo) family(name, typ, help string, samples []sample) {
	if len(samples) == 0 {
		return
	}
	e.b.WriteString("# HELP ")
	e.b.WriteString(name)
	e.b.WriteByte(' ')
	e.b.WriteString(escapeHelp(help))
	e.b.WriteString("\n# TYPE ")
	e.b.WriteString(name)
	e.b.WriteByte(' ')
	e.b.WriteString(typ)
	e.b.WriteByte('\n')
	for _, smp := range samples {
		e.b.WriteString(name)
		if len(smp.labels) > 0 {
			e.b.WriteByte('{')
			for i, l := range smp.labels {
				if i > 0 {
					e.b.WriteByte(',')
				}
				e.b.WriteString(l.name)
				e.b.WriteString(`="`)
				e.b.WriteString(escapeLabelValue(l.value))
				e.b.WriteByte('"')
			}
			e.b.WriteByte('}')
		}
		e.b.WriteByte(' ')
		e.b.WriteString(formatValue(smp.value))
		e.b.WriteByte('\n')
	}
}

func (e *expo) gauge(name, help string, samples ...sample) { e.family(name, "gauge", help, samples) }

func (e *expo) counter(name, help string, samples ...sample) {
	e.family(name, "counter", help, samples)
}

var labelEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)
var helpEscaper = strings.NewReplacer(`\`, `\\`, "\n", `\n`)

// escapeLabelValue escapes a label value: backslash, double quote and newline.
func escapeLabelValue(v string) string { return labelEscaper.Replace(v) }

// escapeHelp escapes HELP text: backslash and newline.
func escapeHelp(v string) string { return helpEscaper.Replace(v) }

func formatValue(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

// lbl builds labels from name, value pairs.
func lbl(pairs ...string) []label {
	ls := make([]label, 0, len(pairs)/2)
	for i := 0; i+1 < len(pairs); i += 2 {
		ls = append(ls, label{pairs[i], pairs[i+1]})
	}
	return ls
}

// opt is a sample for a known number, scaled; none for nil.
func opt(v *float64, scale float64, labels ...string) []sample {
	if v == nil {
		return nil
	}
	return []sample{{lbl(labels...), *v * scale}}
}

func optInt(v *int64, labels ...string) []sample {
	if v == nil {
		return nil
	}
	return []sample{{lbl(labels...), float64(*v)}}
}

func one(v float64, labels ...string) sample { return sample{lbl(labels...), v} }

func boolValue(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// renderMetrics writes the snapshot and hsi-top's own health.
func (s *Server) renderMetrics(ctx context.Context) []byte {
	var e expo
	snap := s.src.Latest()
	now := s.clk.Now()
	if snap != nil {
		writeSnapshotMetrics(&e, snap)
		e.gauge("hsi_top_snapshot_age_seconds", "Age of the newest snapshot.",
			one(now.Sub(snap.Timestamp.Time).Seconds()))
		e.gauge("hsi_top_snapshot_timestamp_seconds", "Unix time of the newest snapshot.",
			one(float64(snap.Timestamp.UnixNano())/1e9))
		writeSourceMetrics(&e, snap)
	}
	s.writeSelfMetrics(ctx, &e, snap)
	s.writeFeedMetrics(&e)
	writeNotifyMetrics(&e)
	return e.b.Bytes()
}

// writeNotifyMetrics writes the notification channels' delivery counters (none when no
// channel is configured).
func writeNotifyMetrics(e *expo) {
	var sent, failed, dropped []sample
	for _, t := range notify.AllTotals() {
		ch := string(t.Channel)
		sent = append(sent, one(float64(t.Sent), "channel", ch))
		failed = append(failed, one(float64(t.Failed), "channel", ch))
		dropped = append(dropped, one(float64(t.Dropped), "channel", ch))
	}
	e.counter("hsi_top_notifications_sent_total", "Notifications delivered, by channel.", sent...)
	e.counter("hsi_top_notifications_failed_total", "Notifications given up after every retry, by channel.", failed...)
	e.counter("hsi_top_notifications_dropped_total", "Notifications dropped because the channel's queue was full, by channel.", dropped...)
}

// writeSnapshotMetrics writes the snapshot's numbers, in base units straight from the
// snapshot (bytes, seconds, ratios).
func writeSnapshotMetrics(e *expo, s *snapshot.Snapshot) {
	writeGPUMetrics(e, s)
	writeModelMetrics(e, s)
	writeInferenceMetrics(e, s)
	writeDatabaseMetrics(e, s)
	writeHostMetrics(e, s)
	writeServiceMetrics(e, s)
	writeAlertMetrics(e, s)
	writeDepthMetrics(e, s) // issue 14: metrics_depth.go
}

// writeGPUMetrics writes every device's numbers.
func writeGPUMetrics(e *expo, s *snapshot.Snapshot) {
	gpus := s.GPUs
	if len(gpus) == 0 && s.GPU != nil {
		gpus = []snapshot.GPU{*s.GPU}
	}
	var util, memUsed, memTotal, temp, power, powerLimit, info, svc []sample
	for _, g := range gpus {
		idx := strconv.Itoa(g.Index)
		info = append(info, one(1, "gpu", idx, "name", g.Name, "uuid", g.UUID, "source", g.Source))
		util = append(util, opt(g.Utilization, 0.01, "gpu", idx)...)
		memUsed = append(memUsed, optU(g.MemoryUsedBytes, "gpu", idx)...)
		memTotal = append(memTotal, optU(g.MemoryTotalBytes, "gpu", idx)...)
		temp = append(temp, opt(g.Temperature, 1, "gpu", idx)...)
		power = append(power, opt(g.PowerWatts, 1, "gpu", idx)...)
		powerLimit = append(powerLimit, opt(g.PowerLimitWatts, 1, "gpu", idx)...)
		for _, sv := range g.Services {
			svc = append(svc, one(float64(sv.UsedBytes), "gpu", idx, "service", sv.Service))
		}
	}
	e.gauge("hsi_top_gpu_info", "GPU device, value 1.", info...)
	e.gauge("hsi_top_gpu_utilization_ratio", "GPU utilization, 0 to 1.", util...)
	e.gauge("hsi_top_gpu_memory_used_bytes", "GPU memory in use.", memUsed...)
	e.gauge("hsi_top_gpu_memory_total_bytes", "GPU memory size.", memTotal...)
	e.gauge("hsi_top_gpu_temperature_celsius", "GPU temperature.", temp...)
	e.gauge("hsi_top_gpu_power_watts", "GPU power draw.", power...)
	e.gauge("hsi_top_gpu_power_limit_watts", "GPU power limit.", powerLimit...)
	e.gauge("hsi_top_gpu_service_memory_bytes", "GPU memory held by each service.", svc...)
}

// writeModelMetrics writes the AI models' status and the LLM's numbers.
func writeModelMetrics(e *expo, s *snapshot.Snapshot) {
	det, llm := s.AIModels.Detector, s.AIModels.Nemotron
	key := s.AIModels.DetectorKey
	if key == "" {
		key = snapshot.DefaultDetectorKey
	}
	e.gauge("hsi_top_model_status", "AI model status, value 1 for the current status.",
		one(1, "model", key, "status", det.Status), one(1, "model", snapshot.NemotronKey, "status", llm.Status))
	e.gauge("hsi_top_model_healthy", "1 when the AI model reports healthy.",
		one(boolValue(det.Status == snapshot.StatusHealthy), "model", key),
		one(boolValue(llm.Status == snapshot.StatusHealthy), "model", snapshot.NemotronKey))
	e.gauge("hsi_top_model_gpu_memory_bytes", "GPU memory the detector's tensors use.", optU(det.VRAMUsedBytes, "model", key)...)
	e.gauge("hsi_top_llm_slots_active", "LLM slots processing a request.", optInt(llm.SlotsActive)...)
	e.gauge("hsi_top_llm_slots", "LLM slots configured.", optInt(llm.SlotsTotal)...)
	e.gauge("hsi_top_llm_context_size_tokens", "LLM context size per slot.", optInt(llm.ContextSize)...)
	e.gauge("hsi_top_llm_generated_tokens_per_second", "LLM generation speed over the last interval.", opt(llm.TokensPerSecond, 1)...)
	e.gauge("hsi_top_llm_prompt_tokens_per_second", "LLM prompt processing speed over the last interval.", opt(llm.PromptTokensPerSecond, 1)...)
	e.gauge("hsi_top_llm_kv_cache_usage_ratio", "LLM KV cache use, 0 to 1.", opt(llm.KVCacheUsageRatio, 1)...)
}

// writeInferenceMetrics writes the stage latencies, throughput and queue depths.
func writeInferenceMetrics(e *expo, s *snapshot.Snapshot) {
	in := s.Inference
	var lat, latSamples []sample
	for _, st := range []struct {
		stage string
		l     *snapshot.Latency
	}{{"detect", in.DetectorLatency}, {"analyze", in.LLMLatency}, {"pipeline", in.PipelineLatency}} {
		if st.l == nil {
			continue
		}
		lat = append(lat, opt(st.l.Avg, 0.001, "stage", st.stage, "statistic", "avg")...)
		lat = append(lat, opt(st.l.P95, 0.001, "stage", st.stage, "statistic", "p95")...)
		lat = append(lat, opt(st.l.P99, 0.001, "stage", st.stage, "statistic", "p99")...)
		latSamples = append(latSamples, optInt(st.l.Samples, "stage", st.stage)...)
	}
	e.gauge("hsi_top_inference_latency_seconds", "Pipeline stage latency over the last window (avg, p95, p99).", lat...)
	e.gauge("hsi_top_inference_latency_samples", "Measurements behind the latency statistics.", latSamples...)
	if t := in.Throughput; t != nil {
		e.gauge("hsi_top_images_processed_per_second", "Images the detector processed per second (5 minute rate).", opt(t.ImagesPerMin, 1.0/60)...)
		e.gauge("hsi_top_events_created_per_second", "Events created per second (5 minute rate).", opt(t.EventsPerMin, 1.0/60)...)
	}
	if q := in.Queues; q != nil {
		e.gauge("hsi_top_queue_depth", "Pipeline queue length.",
			append(optInt(q.Detection, "queue", "detection"), optInt(q.Analysis, "queue", "analysis")...)...)
	}
}

// writeDatabaseMetrics writes the PostgreSQL and Redis cards.
func writeDatabaseMetrics(e *expo, s *snapshot.Snapshot) {
	pg, rd := s.Databases.PostgreSQL, s.Databases.Redis
	e.gauge("hsi_top_database_up", "1 when the database answers and reports healthy.",
		one(boolValue(pg.Status == snapshot.StatusHealthy), "database", "postgresql"),
		one(boolValue(rd.Status == snapshot.StatusHealthy), "database", "redis"))
	e.gauge("hsi_top_postgres_connections_active", "PostgreSQL connections running a query.", optInt(pg.ConnectionsActive)...)
	e.gauge("hsi_top_postgres_connections", "PostgreSQL connections open.", optInt(pg.ConnectionsTotal)...)
	e.gauge("hsi_top_postgres_connections_max", "PostgreSQL connection limit (max_connections or the configured pool size).", optInt(pg.ConnectionsMax)...)
	e.gauge("hsi_top_postgres_cache_hit_ratio", "PostgreSQL buffer cache hit ratio, 0 to 1.", opt(pg.CacheHitRatio, 0.01)...)
	e.gauge("hsi_top_postgres_transactions_per_second", "PostgreSQL commits and rollbacks per second over the last interval.", opt(pg.TransactionsPerMin, 1.0/60)...)
	if pg.DatabaseSizeBytes != nil {
		e.gauge("hsi_top_postgres_database_size_bytes", "PostgreSQL database size.", one(float64(*pg.DatabaseSizeBytes)))
	}
	e.gauge("hsi_top_redis_connected_clients", "Redis connected clients.", optInt(rd.ConnectedClients)...)
	e.gauge("hsi_top_redis_blocked_clients", "Redis clients blocked on a list.", optInt(rd.BlockedClients)...)
	e.gauge("hsi_top_redis_memory_used_bytes", "Redis used_memory.", optInt(rd.MemoryUsedBytes)...)
	e.gauge("hsi_top_redis_hit_ratio", "Redis keyspace hit ratio over the last interval, 0 to 1 (absent without lookups).", opt(rd.HitRatio, 0.01)...)
	e.counter("hsi_top_redis_evicted_keys_total", "Redis keys evicted since Redis started.", optInt(rd.EvictedKeys)...)
}

// writeHostMetrics writes the machine's CPU, memory, filesystems, load and network.
func writeHostMetrics(e *expo, s *snapshot.Snapshot) {
	h := s.Host
	e.gauge("hsi_top_host_cpu_utilization_ratio", "Host CPU use over the last interval, 0 to 1.", opt(h.CPUPercent, 0.01)...)
	e.gauge("hsi_top_host_memory_used_bytes", "Host memory in use.", optU(h.MemoryUsedBytes)...)
	e.gauge("hsi_top_host_memory_total_bytes", "Host memory size.", optU(h.MemoryTotalBytes)...)
	var fsUsed, fsSize []sample
	for _, m := range h.Mounts {
		if m.Error != "" || m.TotalBytes == 0 {
			continue
		}
		fsUsed = append(fsUsed, one(float64(m.UsedBytes), "mountpoint", m.Path))
		fsSize = append(fsSize, one(float64(m.TotalBytes), "mountpoint", m.Path))
	}
	e.gauge("hsi_top_host_filesystem_used_bytes", "Filesystem space in use.", fsUsed...)
	e.gauge("hsi_top_host_filesystem_size_bytes", "Filesystem size.", fsSize...)
	if len(h.Load) >= 3 {
		e.gauge("hsi_top_host_load_average", "Host load average.",
			one(h.Load[0], "period", "1m"), one(h.Load[1], "period", "5m"), one(h.Load[2], "period", "15m"))
	}
	e.gauge("hsi_top_host_network_receive_bytes_per_second", "Host network receive rate.", opt(h.NetRxBytesSec, 1)...)
	e.gauge("hsi_top_host_network_transmit_bytes_per_second", "Host network transmit rate.", opt(h.NetTxBytesSec, 1)...)
	e.gauge("hsi_top_host_uptime_seconds", "Host uptime.", opt(h.UptimeSeconds, 1)...)
}

// writeServiceMetrics writes the container rows, the workers and the cameras.
func writeServiceMetrics(e *expo, s *snapshot.Snapshot) {
	var healthy, state []sample
	for _, c := range s.Containers {
		st := c.State
		if st == "" {
			st = c.Health
		}
		healthy = append(healthy, one(boolValue(st == snapshot.HealthHealthy), "service", c.Name))
		state = append(state, one(1, "service", c.Name, "state", st))
	}
	e.gauge("hsi_top_service_healthy", "1 when the service's health probe passes.", healthy...)
	e.gauge("hsi_top_service_state", "Service health state, value 1 for the current state.", state...)

	var workers []sample
	for _, w := range s.Workers.List {
		workers = append(workers, one(boolValue(w.Running), "worker", w.Name))
	}
	e.gauge("hsi_top_worker_running", "1 when the backend worker runs.", workers...)
	e.gauge("hsi_top_cameras", "Cameras configured.", optInt(s.Overview.CamerasTotal)...)
	e.gauge("hsi_top_cameras_active", "Cameras active.", optInt(s.Overview.CamerasActive)...)
}

// writeAlertMetrics writes the active alerts.
func writeAlertMetrics(e *expo, s *snapshot.Snapshot) {
	var alerts, alertValues []sample
	counts := map[string]int{snapshot.SeverityWarning: 0, snapshot.SeverityCritical: 0}
	for _, a := range s.Alerts {
		counts[a.Severity]++
		alerts = append(alerts, one(1, "metric", string(a.Metric), "object", a.Object, "severity", a.Severity))
		alertValues = append(alertValues, one(a.Value, "metric", string(a.Metric), "object", a.Object, "severity", a.Severity))
	}
	sev := make([]string, 0, len(counts))
	for k := range counts {
		sev = append(sev, k)
	}
	sort.Strings(sev)
	var byCount []sample
	for _, k := range sev {
		byCount = append(byCount, one(float64(counts[k]), "severity", k))
	}
	e.gauge("hsi_top_alerts_active", "Active alerts by severity.", byCount...)
	e.gauge("hsi_top_alert_active", "Active alert, value 1.", alerts...)
	e.gauge("hsi_top_alert_value", "The value that raised the active alert, in the alert metric's unit.", alertValues...)
}

// optU is a sample for a known byte count; none for nil.
func optU(v *uint64, labels ...string) []sample {
	if v == nil {
		return nil
	}
	return []sample{{lbl(labels...), float64(*v)}}
}

func writeSourceMetrics(e *expo, s *snapshot.Snapshot) {
	var up, dur, age []sample
	for _, src := range s.Sources {
		up = append(up, one(boolValue(src.OK), "source", string(src.Source)))
		dur = append(dur, one(src.DurationMS/1000, "source", string(src.Source)))
		age = append(age, opt(src.AgeSeconds, 1, "source", string(src.Source))...)
	}
	e.gauge("hsi_top_source_up", "1 when the source's last collection succeeded.", up...)
	e.gauge("hsi_top_source_collection_duration_seconds", "How long the source's last collection took.", dur...)
	e.gauge("hsi_top_source_data_age_seconds", "Age of the data shown for the source.", age...)
}

// selfStats reads hsi-top's own CPU time and resident memory.
type selfStats struct {
	mu   sync.Mutex
	proc *process.Process
}

func (st *selfStats) read(ctx context.Context) (cpu *float64, rss *uint64) {
	st.mu.Lock()
	defer st.mu.Unlock()
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	if st.proc == nil {
		p, err := process.NewProcessWithContext(ctx, int32(os.Getpid()))
		if err != nil {
			return nil, nil
		}
		st.proc = p
	}
	if t, err := st.proc.TimesWithContext(ctx); err == nil {
		cpu = snapshot.F(t.User + t.System)
	}
	if m, err := st.proc.MemoryInfoWithContext(ctx); err == nil {
		rss = snapshot.U(m.RSS)
	}
	return cpu, rss
}

func (s *Server) writeSelfMetrics(ctx context.Context, e *expo, snap *snapshot.Snapshot) {
	cpu, rss := s.self.read(ctx)
	if rss == nil && snap != nil {
		rss = snap.Self.RSSBytes
	}
	e.counter("hsi_top_process_cpu_seconds_total", "CPU time hsi-top used, user and system.", opt(cpu, 1)...)
	if rss != nil {
		e.gauge("hsi_top_process_resident_memory_bytes", "hsi-top's resident memory.", one(float64(*rss)))
	}
	e.gauge("hsi_top_goroutines", "Goroutines in hsi-top.", one(float64(runtime.NumGoroutine())))
}

func (s *Server) writeFeedMetrics(e *expo) {
	st := &s.stats
	e.gauge("hsi_top_websocket_clients", "WebSocket clients connected to /ws/system.", one(float64(s.hub.count())))
	e.counter("hsi_top_websocket_connections_total", "WebSocket clients accepted.", one(float64(st.accepted.Load())))
	e.counter("hsi_top_websocket_clients_dropped_total", "WebSocket clients disconnected for not keeping up.", one(float64(st.dropped.Load())))
	e.counter("hsi_top_websocket_idle_closed_total", "WebSocket clients closed after the idle timeout.", one(float64(st.idleClosed.Load())))
	e.counter("hsi_top_feed_rejected_total", "Requests refused, by reason.",
		one(float64(st.rejectedAuth.Load()), "reason", "api_key"),
		one(float64(st.rejectedOrigin.Load()), "reason", "origin"),
		one(float64(st.rejectedHost.Load()), "reason", "host"),
		one(float64(st.rejectedRate.Load()), "reason", "rate_limit"),
		one(float64(st.rejectedCap.Load()), "reason", "max_connections"))
	e.counter("hsi_top_feed_ticks_total", "Feed ticks broadcast.", one(float64(st.ticks.Load())))
}
