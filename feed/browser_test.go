package feed

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/hsi-top/hsi-top/config"
	"github.com/hsi-top/hsi-top/snapshot"
)

// acceptancePage opens /ws/system the way the React page does and applies its
// acceptance checks (contract.md §3): a performance_update without a string
// data.timestamp is dropped, as is one whose gpu object lacks a string name or a
// numeric utilization; alerts are kept only with severity warning|critical, string
// metric and message, numeric value and threshold. It records what it accepted in
// window.feed. The api-key.* subprotocol comes from ?key=.
const acceptancePage = `<!doctype html>
<html><head><meta charset="utf-8"><title>feed acceptance</title></head><body>
<script>
window.feed = {accepted: {}, dropped: 0, alertsKept: 0, alertsDropped: 0, close: null, protocol: null};
const key = new URLSearchParams(location.search).get('key');
const url = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/ws/system';
const ws = key ? new WebSocket(url, ['api-key.' + key]) : new WebSocket(url);
const num = v => typeof v === 'number' && isFinite(v);
function acceptPerformance(d) {
  if (!d || typeof d.timestamp !== 'string') return false;
  if (d.gpu) {
    if (typeof d.gpu.name !== 'string' || !num(d.gpu.utilization)) return false;
  }
  const alerts = Array.isArray(d.alerts) ? d.alerts : [];
  const kept = alerts.filter(a => a && (a.severity === 'warning' || a.severity === 'critical') &&
    typeof a.metric === 'string' && typeof a.message === 'string' && num(a.value) && num(a.threshold));
  window.feed.alertsKept += kept.length;
  window.feed.alertsDropped += alerts.length - kept.length;
  return true;
}
function acceptStatus(m) {
  return typeof m.timestamp === 'string' && m.data && typeof m.data === 'object' &&
    typeof m.data.health === 'string' && m.data.gpu && m.data.ai;
}
ws.onopen = () => { window.feed.protocol = ws.protocol; };
ws.onmessage = ev => {
  let m;
  try { m = JSON.parse(ev.data); } catch (e) { window.feed.dropped++; return; }
  let ok = false;
  switch (m.type) {
  case 'performance_update': ok = acceptPerformance(m.data); break;
  case 'system_status': ok = acceptStatus(m); break;
  case 'ping': ws.send(JSON.stringify({type: 'pong'})); ok = true; break;
  default: ok = false;
  }
  if (!ok) { window.feed.dropped++; return; }
  window.feed.accepted[m.type] = (window.feed.accepted[m.type] || 0) + 1;
};
ws.onclose = ev => { window.feed.close = {code: ev.code, reason: ev.reason}; };
</script></body></html>`

// liveSource stamps the fixture snapshot with the current second, as a running
// collector would.
type liveSource struct {
	tmpl *snapshot.Snapshot
	mu   sync.Mutex
	last *snapshot.Snapshot
}

func (l *liveSource) Latest() *snapshot.Snapshot {
	now := time.Now().UTC().Truncate(time.Second)
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.last == nil || !l.last.Timestamp.Equal(now) {
		s := *l.tmpl
		s.Timestamp = snapshot.Time{Time: now}
		l.last = &s
	}
	return l.last
}

type pageState struct {
	Accepted      map[string]int `json:"accepted"`
	Dropped       int            `json:"dropped"`
	AlertsKept    int            `json:"alertsKept"`
	AlertsDropped int            `json:"alertsDropped"`
	Protocol      string         `json:"protocol"`
	Close         *struct {
		Code   int    `json:"code"`
		Reason string `json:"reason"`
	} `json:"close"`
}

// runPage loads url and waits until the predicate holds, then returns window.feed.
func runPage(ctx context.Context, url, predicate string) (pageState, error) {
	if err := chromedp.Do(ctx, chromedp.Navigate(url)); err != nil {
		return pageState{}, err
	}
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](predicate, chromedp.WithPollingInterval(50*time.Millisecond))); err != nil {
		return pageState{}, err
	}
	return chromedp.Run(ctx, chromedp.Evaluate[pageState](`window.feed`))
}

func chromiumPath(t *testing.T) string {
	for _, p := range []string{"/usr/bin/chromium", "chromium", "chromium-browser"} {
		if path, err := exec.LookPath(p); err == nil {
			return path
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("chromium is not installed: the browser test is required under CI (scripts/test.sh installs it)")
	}
	t.Skip("chromium is not installed; scripts/test.sh installs it")
	return ""
}

func TestBrowserAcceptsBothMessageTypes(t *testing.T) {
	chromiumPath(t) // skip (or fail under CI) before anything starts
	const key = "browser-key"
	tmpl := fixtureSnapshot(t, time.Now())
	// One alert the page must drop, beside the fixture's valid one.
	tmpl.Alerts = append(tmpl.Alerts, snapshot.Alert{Severity: "info", Metric: "x", Message: "dropped by the page"})
	srv, err := New(Options{
		Config: config.ServeConfig{
			APIKey:             config.Secret(key),
			FeedInterval:       config.Duration(time.Second),
			RateLimitPerMinute: 10,
		},
		Source:          &liveSource{tmpl: tmpl},
		CollectInterval: time.Second,
		Logger:          slog.New(slog.DiscardHandler),
		Page: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Write([]byte(acceptancePage))
		}),
	})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ctx, ln) }()
	// A cleanup, not a defer: it then runs after the browser's (newBrowser), which closes
	// the page's socket first.
	t.Cleanup(func() {
		stop()
		if err := <-served; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	base := "http://" + ln.Addr().String() + "/"

	// Start the browser before the clock of the 12 s budget starts.
	bctx := newBrowser(t)

	t.Run("good key", func(t *testing.T) {
		runCtx, cancel := context.WithTimeout(bctx, 12*time.Second)
		defer cancel()
		st, err := runPage(runCtx, base+"?key="+key,
			`window.feed && window.feed.accepted.system_status > 0 && window.feed.accepted.performance_update > 0`)
		if err != nil {
			partial, _ := chromedp.Run(bctx, chromedp.Evaluate[pageState](`window.feed`))
			t.Fatalf("the page did not accept both message types within 12 s: %v (page state %+v)", err, partial)
		}
		if st.Dropped != 0 {
			t.Errorf("the page dropped %d frames", st.Dropped)
		}
		if st.Protocol != "api-key."+key {
			t.Errorf("the browser negotiated subprotocol %q", st.Protocol)
		}
		if st.AlertsKept == 0 || st.AlertsDropped == 0 {
			t.Errorf("alerts kept %d dropped %d: want the fixture's alert kept and the info one dropped", st.AlertsKept, st.AlertsDropped)
		}
		t.Logf("page state: %+v", st)
	})

	t.Run("wrong key is closed with 1008", func(t *testing.T) {
		runCtx, cancel := context.WithTimeout(bctx, 12*time.Second)
		defer cancel()
		st, err := runPage(runCtx, base+"?key=wrong", `window.feed && window.feed.close !== null`)
		if err != nil {
			t.Fatalf("the socket was not closed: %v", err)
		}
		if st.Close.Code != 1008 {
			t.Errorf("the browser saw close %d %q, want 1008", st.Close.Code, st.Close.Reason)
		}
		if len(st.Accepted) != 0 {
			t.Errorf("frames reached a client with a wrong key: %v", st.Accepted)
		}
	})
}
