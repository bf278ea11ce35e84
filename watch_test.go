package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hsi-top/hsi-top/alerts"
	"github.com/hsi-top/hsi-top/config"
	"github.com/hsi-top/hsi-top/snapshot"
	"github.com/hsi-top/hsi-top/statefile"
)

// TestMain keeps the package's --serve runs from writing state under the real
// $XDG_STATE_HOME or home directory.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "hsi-top-state-")
	if err != nil {
		panic(err)
	}
	os.Setenv("XDG_STATE_HOME", dir)
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// servedInstance is one runServe in the background.
type servedInstance struct {
	base   string
	cancel context.CancelFunc
	exited chan int
	stderr *syncBuffer
	once   sync.Once
}

func startServe(t *testing.T, cfg config.Config) *servedInstance {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cfg.Serve.Addr = ln.Addr().String()
	ln.Close()
	ctx, cancel := context.WithCancel(context.Background())
	si := &servedInstance{base: "http://" + cfg.Serve.Addr, cancel: cancel, exited: make(chan int, 1), stderr: &syncBuffer{}}
	go func() { si.exited <- runServe(ctx, cfg, si.stderr) }()
	t.Cleanup(func() { si.stop(t) })
	return si
}

func (si *servedInstance) stop(t *testing.T) {
	si.once.Do(func() {
		si.cancel()
		select {
		case code := <-si.exited:
			if code != exitOK {
				t.Errorf("exit %d; log: %s", code, si.stderr.String())
			}
		case <-time.After(20 * time.Second):
			t.Fatal("--serve did not stop")
		}
	})
}

// getJSON polls path until ok accepts its decoded body (20 s at most).
func (si *servedInstance) getJSON(t *testing.T, path string, v any, ok func() bool) {
	t.Helper()
	client := &http.Client{Timeout: 5 * time.Second}
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := client.Get(si.base + path)
		if err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK && json.Unmarshal(body, v) == nil && ok() {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s never gave what the test waits for (last error %v); log: %s", path, err, si.stderr.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// waitTicks waits until the history holds n snapshots taken after the call.
func (si *servedInstance) waitTicks(t *testing.T, n int) {
	t.Helper()
	var hist historyBody
	since := time.Now()
	si.getJSON(t, "/api/system/performance/history?time_range=5m", &hist, func() bool {
		newer := 0
		for _, s := range hist.Snapshots {
			if s.Timestamp.After(since) {
				newer++
			}
		}
		return newer >= n
	})
}

type historyBody struct {
	Snapshots []struct {
		Timestamp time.Time `json:"timestamp"`
	} `json:"snapshots"`
}

type alertsBody struct {
	Log []struct {
		Metric  string     `json:"metric"`
		Raised  time.Time  `json:"raised"`
		Cleared *time.Time `json:"cleared"`
	} `json:"log"`
}

// webhookReceiver is a webhook endpoint that passes every alert event posted to it on
// got; it closes with the test.
func webhookReceiver(t *testing.T) (got chan alerts.Event, rcv *httptest.Server) {
	got = make(chan alerts.Event, 10)
	rcv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var ev alerts.Event
		if err := json.NewDecoder(r.Body).Decode(&ev); err == nil {
			got <- ev
		}
	}))
	t.Cleanup(rcv.Close)
	return got, rcv
}

// diskAlertConfig is the offline config with the disk rule below any real disk's use,
// so a host_disk critical is raised at once (the only alert), and a state directory of
// the test's own.
func diskAlertConfig(t *testing.T, stateDir string) config.Config {
	cfg := offlineConfig(t)
	cfg.StateDir = stateDir
	cfg.Alerts.Rules.HostDisk = config.Rule{Enabled: true, Warning: 0.0001, Critical: 0.0002}
	cfg.Alerts.Rules.ContainerHealth.Enabled = false // every offline service is down
	return cfg
}

func TestServeRestartKeepsHistoryAndTheAlertLog(t *testing.T) {
	dir := t.TempDir()
	cfg := diskAlertConfig(t, dir)

	first := startServe(t, cfg)
	// Points in two 5 s slots, so that the second run's first point cannot replace them all.
	var hist historyBody
	first.getJSON(t, "/api/system/performance/history?time_range=5m", &hist, func() bool {
		return len(hist.Snapshots) >= 2
	})
	var log alertsBody
	first.getJSON(t, "/api/system/alerts", &log, func() bool { return len(log.Log) >= 1 })
	first.stop(t)
	stopped := time.Now()
	if _, err := os.Stat(filepath.Join(dir, statefile.FileName)); err != nil {
		t.Fatalf("no state file after exit: %v", err)
	}
	before := hist.Snapshots[0].Timestamp

	// The 5m range shows the seconds before the restart (history.TestSavedHistoryAfterARestart
	// shows the 60m range a whole hour back, which a test cannot wait for here).
	second := startServe(t, cfg)
	var h historyBody
	second.getJSON(t, "/api/system/performance/history?time_range=5m", &h, func() bool { return len(h.Snapshots) >= 2 })
	if got := h.Snapshots[0].Timestamp; got.After(stopped) || got.Before(before.Add(-5*time.Second)) {
		t.Errorf("after the restart the 5m history starts at %s, want a point of the first run (from %s, stopped %s)", got, before, stopped)
	}
	var log2 alertsBody
	second.getJSON(t, "/api/system/alerts", &log2, func() bool { return len(log2.Log) >= 2 })
	old := log2.Log[len(log2.Log)-1]
	if old.Metric != "host_disk" || !old.Raised.Equal(log.Log[0].Raised) {
		t.Errorf("the oldest log entry is %+v, want the first run's host_disk raised at %s", old, log.Log[0].Raised)
	}
	if old.Cleared == nil || old.Cleared.After(stopped) {
		t.Errorf("the first run's ongoing entry was not closed at its stop: %+v", old)
	}
	if !log2.Log[0].Raised.After(stopped) || log2.Log[0].Cleared != nil {
		t.Errorf("the second run did not raise its own ongoing entry: %+v", log2.Log[0])
	}
}

func TestServeSetsACorruptStateFileAside(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, statefile.FileName)
	if err := os.WriteFile(path, []byte("not a state file"), 0o600); err != nil {
		t.Fatal(err)
	}
	si := startServe(t, diskAlertConfig(t, dir))
	var hist historyBody
	si.getJSON(t, "/api/system/performance/history?time_range=5m", &hist, func() bool { return len(hist.Snapshots) >= 1 })
	si.stop(t)
	bad, _ := filepath.Glob(path + ".bad-*")
	if len(bad) != 1 {
		t.Errorf("the corrupt file was not set aside: %v", bad)
	}
	if log := si.stderr.String(); !strings.Contains(log, "not an hsi-top state file") {
		t.Errorf("the log does not say why: %s", log)
	}
	if _, err := statefile.Read(path); err != nil {
		t.Errorf("the new state file is unreadable: %v", err)
	}
}

func TestServeSendsTheDiskAlertToAWebhook(t *testing.T) {
	got, rcv := webhookReceiver(t)
	cfg := diskAlertConfig(t, t.TempDir())
	cfg.Notify.Webhook = []config.WebhookConfig{{URL: config.SecretURL(rcv.URL), Secret: "whsec"}}
	start := time.Now()
	si := startServe(t, cfg)
	select {
	case ev := <-got:
		if ev.Event != alerts.EventRaise || ev.Metric != "host_disk" || ev.Severity != "critical" {
			t.Errorf("first event %+v, want a host_disk critical raise", ev)
		}
		// Held for one interval after start (the first sample alone sends nothing).
		if d := time.Since(start); d > 10*time.Second {
			t.Errorf("the raise took %s", d)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("no webhook delivery")
	}
	select {
	case ev := <-got:
		t.Errorf("a second event %+v before repeat_every", ev)
	case <-time.After(2 * time.Second):
	}
	// The channel is a source: on /metrics too.
	resp, err := http.Get(si.base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{`hsi_top_source_up{source="notify_webhook"} 1`, `hsi_top_notifications_sent_total{channel="notify_webhook"} `} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

func TestASecondInstanceNeitherSavesNorNotifies(t *testing.T) {
	dir := t.TempDir()
	cfg := diskAlertConfig(t, dir)
	cfg.Notify.Webhook = []config.WebhookConfig{{URL: "http://127.0.0.1:1/hook"}}
	first := startServe(t, cfg)
	var hist historyBody
	first.getJSON(t, "/api/system/performance/history?time_range=5m", &hist, func() bool { return len(hist.Snapshots) >= 1 })

	second := startServe(t, cfg)
	type perf struct {
		Sources []struct {
			Source string `json:"source"`
		} `json:"sources"`
	}
	var p1, p2 perf
	first.getJSON(t, "/api/system/performance", &p1, func() bool { return len(p1.Sources) > 0 })
	second.getJSON(t, "/api/system/performance", &p2, func() bool { return len(p2.Sources) > 0 })
	has := func(p perf) bool {
		for _, s := range p.Sources {
			if s.Source == "notify_webhook" {
				return true
			}
		}
		return false
	}
	if !has(p1) || has(p2) {
		t.Errorf("notify_webhook in the owner's sources: %v, in the second's: %v (want only the owner)", has(p1), has(p2))
	}
	second.stop(t)
	if log := second.stderr.String(); !strings.Contains(log, "another hsi-top keeps this state directory") {
		t.Errorf("the second instance does not say why it does not notify: %s", log)
	}
}

func TestConfigRedactsNotificationSecrets(t *testing.T) {
	body := offline + `notify:
  ntfy: [{url: "https://ntfy.example/topic", token: "tk_ntfysecret"}]
  webhook: [{url: "http://127.0.0.1:9000/hook", secret: "whsec_hooksecret"}]
  mqtt: {broker: "tcp://127.0.0.1:1883", username: "hsi", password: "mqttsecret"}
  heartbeat_url: "https://user:hbsecret@hc.example/ping"
`
	code, out, errOut := runCLI("config", "--config", writeConfig(t, body))
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, secret := range []string{"tk_ntfysecret", "whsec_hooksecret", "mqttsecret", "hbsecret"} {
		if strings.Contains(out, secret) {
			t.Errorf("hsi-top config shows %q", secret)
		}
	}
	if !strings.Contains(out, "token: '***'") && !strings.Contains(out, `token: "***"`) {
		t.Errorf("the ntfy token is not shown as ***:\n%s", out)
	}
}

func TestServeRestartDoesNotRaiseAnAlertAgain(t *testing.T) {
	got, rcv := webhookReceiver(t)
	cfg := diskAlertConfig(t, t.TempDir())
	cfg.Notify.Webhook = []config.WebhookConfig{{URL: config.SecretURL(rcv.URL)}}
	first := startServe(t, cfg)
	select {
	case ev := <-got:
		if ev.Event != alerts.EventRaise {
			t.Fatalf("first event %+v", ev)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("no raise from the first run")
	}
	first.stop(t)

	second := startServe(t, cfg)
	// Three ticks: a raise would have been decided at the second.
	second.waitTicks(t, 3)
	select {
	case ev := <-got:
		t.Errorf("the restart sent %+v, although the alert was raised and is still active", ev)
	default:
	}
}

func TestSnoozeCommandSilencesAndUnsilencesAServe(t *testing.T) {
	got, rcv := webhookReceiver(t)
	cfg := diskAlertConfig(t, t.TempDir())
	cfg.Notify.Webhook = []config.WebhookConfig{{URL: config.SecretURL(rcv.URL)}}
	var out, errb bytes.Buffer
	if code := runSnooze(cfg, []string{"host_disk", "2h"}, time.Now(), &out, &errb); code != exitOK || !strings.Contains(out.String(), "when hsi-top next starts") {
		t.Fatalf("snooze: exit %d, %s%s", code, out.String(), errb.String())
	}
	out.Reset()
	runSnooze(cfg, nil, time.Now(), &out, &errb)
	if !strings.Contains(out.String(), "host_disk: snoozed until") || !strings.Contains(out.String(), "not applied yet") {
		t.Errorf("list: %s", out.String())
	}

	si := startServe(t, cfg)
	si.waitTicks(t, 3)
	select {
	case ev := <-got:
		t.Fatalf("a snoozed alert was sent: %+v", ev)
	default:
	}
	out.Reset()
	if code := runSnooze(cfg, []string{"host_disk", "off"}, time.Now(), &out, &errb); code != exitOK || !strings.Contains(out.String(), "by the running hsi-top") {
		t.Fatalf("snooze off: exit %d, %s%s", code, out.String(), errb.String())
	}
	select {
	case ev := <-got:
		if ev.Event != alerts.EventRaise || ev.Metric != snapshot.MetricHostDisk {
			t.Errorf("after the snooze ended: %+v, want the disk raise", ev)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the alert was not sent once the snooze ended")
	}
	for _, bad := range [][]string{{"host-disk", "2h"}, {"host_disk", "10s"}, {"host_disk"}} {
		if code := runSnooze(cfg, bad, time.Now(), &out, &errb); code != exitUnknown {
			t.Errorf("snooze %v: exit %d, want 3", bad, code)
		}
	}
}
