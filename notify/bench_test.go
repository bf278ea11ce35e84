package notify

import (
	"testing"
	"time"

	"github.com/hsi-top/hsi-top/config"
)

// BenchmarkProcess is the notification stage's cost per tick with two channels and an
// active alert that sends nothing new (the steady state).
func BenchmarkProcess(b *testing.B) {
	cfg := config.Default()
	cfg.Notify.Webhook = []config.WebhookConfig{{URL: "http://127.0.0.1:1/hook"}}
	cfg.Notify.Ntfy = []config.NtfyConfig{{URL: "http://127.0.0.1:1/topic"}}
	n, err := New(cfg, Options{Start: t0.Add(-time.Hour), timing: fastTiming})
	if err != nil {
		b.Fatal(err)
	}
	defer n.Close()
	n.Process(gpuSnapshot(t0, diskAlert(t0)))
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		n.Process(gpuSnapshot(t0.Add(time.Duration(i)*time.Second), diskAlert(t0)))
	}
}

// BenchmarkStatePayload is building the MQTT state JSON, once per tick.
func BenchmarkStatePayload(b *testing.B) {
	cfg := config.Default()
	var rules []string
	for _, nr := range cfg.Alerts.Rules.List() {
		rules = append(rules, nr.Metric)
	}
	sensors := append(append([]sensor{}, keySensors...), diskSensor("/"))
	s := gpuSnapshot(t0, diskAlert(t0))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := statePayload(s, rules, sensors); err != nil {
			b.Fatal(err)
		}
	}
}
