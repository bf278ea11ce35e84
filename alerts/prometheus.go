package alerts

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/hsi-top/hsi-top/config"
	"github.com/hsi-top/hsi-top/snapshot"
)

// promExprs are the rules' values as PromQL over hsi-top's own /metrics, in the
// rule's unit (%, °C, W, ms, MB, services), so that the configured levels apply as they
// are. They keep the instance and per-object labels (gpu, mountpoint).
var promExprs = map[snapshot.AlertMetric]string{
	snapshot.MetricGPUUtilization:     `hsi_top_gpu_utilization_ratio * 100`,
	snapshot.MetricGPUTemperature:     `hsi_top_gpu_temperature_celsius`,
	snapshot.MetricGPUVRAM:            `hsi_top_gpu_memory_used_bytes / hsi_top_gpu_memory_total_bytes * 100`,
	snapshot.MetricGPUPower:           `hsi_top_gpu_power_watts`,
	snapshot.MetricDetectorLatencyP95: `hsi_top_inference_latency_seconds{stage="detect",statistic="p95"} * 1000`,
	snapshot.MetricLLMLatencyP95:      `hsi_top_inference_latency_seconds{stage="analyze",statistic="p95"} * 1000`,
	snapshot.MetricPGConnections:      `hsi_top_postgres_connections / hsi_top_postgres_connections_max * 100`,
	snapshot.MetricPGCacheHit:         `hsi_top_postgres_cache_hit_ratio * 100`,
	snapshot.MetricRedisMemory:        `hsi_top_redis_memory_used_bytes / 1048576`,
	snapshot.MetricRedisHitRatio:      `hsi_top_redis_hit_ratio * 100`,
	snapshot.MetricHostCPU:            `hsi_top_host_cpu_utilization_ratio * 100`,
	snapshot.MetricHostRAM:            `hsi_top_host_memory_used_bytes / hsi_top_host_memory_total_bytes * 100`,
	snapshot.MetricHostDisk:           `hsi_top_host_filesystem_used_bytes / hsi_top_host_filesystem_size_bytes * 100`,
	snapshot.MetricContainerHealth:    `count by (instance, job) (hsi_top_service_state{state=~"unhealthy|unreachable"} == 1)`,
	// GPU faults and limits (issue 14). The PCIe expression counts a lower generation at
	// idle too (hsi-top's own rule does not).
	snapshot.MetricGPUThrottle: `max by (instance, job, gpu) (hsi_top_gpu_clock_event_active_seconds{limiting="true"})`,
	snapshot.MetricGPUXid:      `hsi_top_gpu_xid_errors_recent`,
	snapshot.MetricGPUPCIeLink: `hsi_top_gpu_pcie_bandwidth_shortfall_ratio * 100`,
	snapshot.MetricGPUECC:      `sum by (instance, job, gpu) (increase(hsi_top_gpu_ecc_errors_total[10m]))`,
}

// PrometheusMetricNames lists the /metrics names the rules read, for a test that
// checks they exist.
func PrometheusMetricNames() []string {
	var out []string
	for _, e := range promExprs {
		for _, f := range strings.FieldsFunc(e, func(r rune) bool { return !(r == '_' || r >= 'a' && r <= 'z') }) {
			if strings.HasPrefix(f, "hsi_top_") {
				out = append(out, f)
			}
		}
	}
	return out
}

type promFile struct {
	Groups []promGroup `yaml:"groups"`
}

type promGroup struct {
	Name  string     `yaml:"name"`
	Rules []promRule `yaml:"rules"`
}

type promRule struct {
	Alert       string            `yaml:"alert"`
	Expr        string            `yaml:"expr"`
	For         string            `yaml:"for,omitempty"`
	Labels      map[string]string `yaml:"labels"`
	Annotations map[string]string `yaml:"annotations"`
}

// PrometheusRules returns the enabled rules of cfg, at their configured levels and
// windows, as a Prometheus alerting-rules file: one group, a warning and a critical
// alert per rule. Both fire past the critical level; an Alertmanager inhibit rule
// (critical inhibits warning on equal alertname prefix labels) mutes the warning then.
func PrometheusRules(cfg config.AlertsConfig) ([]byte, error) {
	g := promGroup{Name: "hsi-top"}
	for _, nr := range cfg.Rules.List() {
		if !nr.Rule.Enabled {
			continue
		}
		m := snapshot.AlertMetric(nr.Metric)
		expr, ok := promExprs[m]
		if !ok {
			return nil, fmt.Errorf("rule %s has no Prometheus expression", m)
		}
		op := ">"
		switch {
		case nr.Direction == config.Below:
			op = "<"
		case m == snapshot.MetricContainerHealth:
			op = ">=" // a count: at least the level
		}
		levels := [2]float64{nr.Rule.Warning, nr.Rule.Critical}
		windows := [2]time.Duration{nr.Rule.WarningFor.D(), nr.Rule.CriticalFor.D()}
		for sev, name := range severityNames {
			g.Rules = append(g.Rules, promRule{
				Alert:  "HsiTop" + camel(nr.Metric) + camel(name),
				Expr:   "(" + expr + ") " + op + " " + strconv.FormatFloat(levels[sev], 'g', -1, 64),
				For:    promDuration(windows[sev]),
				Labels: map[string]string{"severity": name, "hsi_top_metric": nr.Metric},
				Annotations: map[string]string{
					"summary": fmt.Sprintf("%s %s: {{ $value | printf \"%%.1f\" }} (level %g) on {{ $labels.instance }}", nr.Metric, name, levels[sev]),
				},
			})
		}
	}
	var b strings.Builder
	b.WriteString("# hsi-top's alert rules over its own /metrics (hsi-top rules --format prometheus).\n")
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(promFile{Groups: []promGroup{g}}); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return []byte(b.String()), nil
}

// promDuration writes d as Prometheus does (1m, 90s); "" for zero, which omits `for`.
func promDuration(d time.Duration) string {
	switch {
	case d <= 0:
		return ""
	case d%time.Hour == 0:
		return strconv.FormatInt(int64(d/time.Hour), 10) + "h"
	case d%time.Minute == 0:
		return strconv.FormatInt(int64(d/time.Minute), 10) + "m"
	case d%time.Second == 0:
		return strconv.FormatInt(int64(d/time.Second), 10) + "s"
	default:
		return strconv.FormatInt(d.Milliseconds(), 10) + "ms"
	}
}

// camel turns host_disk into HostDisk.
func camel(s string) string {
	var b strings.Builder
	for _, part := range strings.Split(s, "_") {
		if part != "" {
			b.WriteString(strings.ToUpper(part[:1]) + part[1:])
		}
	}
	return b.String()
}
