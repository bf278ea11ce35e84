package notify

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hsi-top/hsi-top/alerts"
	"github.com/hsi-top/hsi-top/config"
	"github.com/hsi-top/hsi-top/snapshot"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

var fastTiming = retryTiming{base: time.Millisecond, max: 4 * time.Millisecond, attempt: 2 * time.Second, attempts: 4}

// received is one request a test receiver got.
type received struct {
	method string
	header http.Header
	body   []byte
}

// receiver is an httptest server that records requests and answers status (200 when
// the func is nil) per request number.
type receiver struct {
	*httptest.Server
	mu     sync.Mutex
	reqs   []received
	got    chan received
	status func(n int) int
}

func newReceiver(t *testing.T, status func(n int) int) *receiver {
	r := &receiver{got: make(chan received, 100), status: status}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(req.Body)
		rec := received{method: req.Method, header: req.Header.Clone(), body: b}
		r.mu.Lock()
		r.reqs = append(r.reqs, rec)
		n := len(r.reqs)
		r.mu.Unlock()
		code := http.StatusOK
		if r.status != nil {
			code = r.status(n)
		}
		w.WriteHeader(code)
		if code == http.StatusOK {
			r.got <- rec
		}
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *receiver) next(t *testing.T) received {
	t.Helper()
	select {
	case rec := <-r.got:
		return rec
	case <-time.After(10 * time.Second):
		t.Fatal("no request arrived")
		return received{}
	}
}

func diskAlert(ts time.Time) snapshot.Alert {
	return snapshot.Alert{Severity: snapshot.SeverityCritical, Metric: "host_disk", Object: "/", Value: 93.5, Threshold: 90,
		Message: "Disk / critical: 93.5%", Since: snapshot.Time{Time: ts}, Peak: 93.5}
}

func snapAt(ts time.Time, a ...snapshot.Alert) *snapshot.Snapshot {
	s := snapshot.New(ts)
	s.Hostname = "box"
	s.Alerts = append(s.Alerts, a...)
	return s
}

func testNotifier(t *testing.T, nc config.NotifyConfig) *Notifier {
	t.Helper()
	cfg := config.Default()
	cfg.Notify = nc
	if cfg.Notify.RepeatEvery == 0 {
		cfg.Notify.RepeatEvery = config.Duration(time.Hour)
	}
	n, err := New(cfg, Options{Version: "test", Start: t0.Add(-time.Hour), timing: fastTiming})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	return n
}

func TestWebhookPostsSignedJSON(t *testing.T) {
	rcv := newReceiver(t, nil)
	n := testNotifier(t, config.NotifyConfig{Webhook: []config.WebhookConfig{{URL: config.SecretURL(rcv.URL + "/hook"), Secret: "s3cret"}}})
	n.Process(snapAt(t0, diskAlert(t0)))
	got := rcv.next(t)
	if got.method != http.MethodPost {
		t.Errorf("method %s, want POST", got.method)
	}
	if ct := got.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
	if ua := got.header.Get("User-Agent"); ua != "hsi-top/test" {
		t.Errorf("User-Agent %q", ua)
	}
	if ev := got.header.Get(HeaderEvent); ev != "raise" {
		t.Errorf("%s %q, want raise", HeaderEvent, ev)
	}
	if sig, want := got.header.Get(HeaderSignature), Sign([]byte("s3cret"), got.body); sig != want || !strings.HasPrefix(sig, "sha256=") || len(sig) != 7+64 {
		t.Errorf("signature %q, want %q", sig, want)
	}
	want := `{"event":"raise","severity":"critical","metric":"host_disk","object":"/","value":93.5,"threshold":90,` +
		`"message":"Disk / critical: 93.5%","raised":"2026-03-01T12:00:00.000000Z","cleared":null,"time":"2026-03-01T12:00:00.000000Z","host":"box"}`
	if string(got.body) != want {
		t.Errorf("body\n%s\nwant\n%s", got.body, want)
	}

	// The clear carries its time; a webhook without a secret is not signed.
	n.Process(snapAt(t0.Add(5 * time.Second)))
	clr := rcv.next(t)
	var ev alerts.Event
	if err := json.Unmarshal(clr.body, &ev); err != nil {
		t.Fatal(err)
	}
	if ev.Event != alerts.EventClear || ev.Cleared == nil || !ev.Cleared.Equal(t0.Add(5*time.Second)) {
		t.Errorf("clear event %+v", ev)
	}
}

func TestNtfyHeadersFromTheSeverity(t *testing.T) {
	rcv := newReceiver(t, nil)
	n := testNotifier(t, config.NotifyConfig{Ntfy: []config.NtfyConfig{{URL: config.SecretURL(rcv.URL + "/topic"), Token: "tk_abc", Click: "http://box:8089/"}}})
	n.Process(snapAt(t0, diskAlert(t0)))
	got := rcv.next(t)
	checks := map[string]string{
		"Authorization": "Bearer tk_abc", "Title": "Critical: host_disk /", "Priority": "5",
		"Tags": "rotating_light,host_disk", "Click": "http://box:8089/",
	}
	for h, want := range checks {
		if v := got.header.Get(h); v != want {
			t.Errorf("%s: %q, want %q", h, v, want)
		}
	}
	if got.method != http.MethodPost || string(got.body) != "Disk / critical: 93.5% (box)" {
		t.Errorf("%s %q", got.method, got.body)
	}
	n.Process(snapAt(t0.Add(5 * time.Second)))
	clr := rcv.next(t)
	if clr.header.Get("Priority") != "2" || clr.header.Get("Title") != "Resolved: host_disk /" || !strings.HasPrefix(clr.header.Get("Tags"), "white_check_mark") {
		t.Errorf("clear headers %v", clr.header)
	}
}

func TestDeliveryRetriesAndReportsFailures(t *testing.T) {
	// Two failures, then success: nothing is lost while the receiver is briefly down.
	rcv := newReceiver(t, func(n int) int {
		if n <= 2 {
			return http.StatusBadGateway
		}
		return http.StatusOK
	})
	n := testNotifier(t, config.NotifyConfig{Webhook: []config.WebhookConfig{{URL: config.SecretURL(rcv.URL + "/hook?token=hidden")}}})
	n.Process(snapAt(t0, diskAlert(t0)))
	rcv.next(t)
	waitFor(t, func() bool { return n.Stats()[0].Sent == 1 })
	st := n.Stats()
	if len(st) != 1 || st[0].Sent != 1 || st[0].Failed != 0 {
		t.Errorf("stats %+v, want one sent", st)
	}

	// A receiver that always fails: given up after the attempts, reported in the sources
	// without the URL's token.
	dead := newReceiver(t, func(int) int { return http.StatusInternalServerError })
	n2 := testNotifier(t, config.NotifyConfig{Webhook: []config.WebhookConfig{{URL: config.SecretURL(dead.URL + "/hook?token=hidden")}}})
	n2.Process(snapAt(t0, diskAlert(t0)))
	waitFor(t, func() bool { return n2.Stats()[0].Failed == 1 })
	s := snapAt(t0.Add(5*time.Second), diskAlert(t0))
	n2.Process(s)
	src, ok := s.Source(SourceWebhook)
	if !ok || src.OK || !strings.Contains(src.Error, "500") || !strings.Contains(src.Error, "1 given up") {
		t.Errorf("source %+v, want a failing notify_webhook naming the status", src)
	}
	if strings.Contains(src.Error, "hidden") {
		t.Errorf("the error shows the URL's token: %s", src.Error)
	}
	dead.mu.Lock()
	attempts := len(dead.reqs)
	dead.mu.Unlock()
	if attempts != fastTiming.attempts {
		t.Errorf("%d attempts, want %d", attempts, fastTiming.attempts)
	}
}

func TestQueueDropsTheOldestWhenFull(t *testing.T) {
	block := make(chan struct{})
	s := senderFunc(func(alerts.Event) error { <-block; return nil })
	q := newQueue("q", "http", s, fastTiming)
	for i := range QueueSize + 5 {
		q.push(alerts.Event{Value: float64(i)})
	}
	close(block)
	q.close()
	// One was taken by the worker before the queue filled (or not): at least 4 dropped.
	if d := q.stats.dropped; d < 4 || d > 5 {
		t.Errorf("dropped %d, want 4 or 5", d)
	}
}

type senderFunc func(alerts.Event) error

func (f senderFunc) Send(_ context.Context, ev alerts.Event) error { return f(ev) }

// waitFor polls cond (a delivery goroutine's effect) for up to 10 s.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(2 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached in 10s")
		}
	}
}
