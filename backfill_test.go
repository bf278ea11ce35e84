package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hsi-top/hsi-top/config"
	"github.com/hsi-top/hsi-top/history"
	"github.com/hsi-top/hsi-top/snapshot"
)

// TestStartBackfill: the start-up backfill fills the store in the background and says
// what it did; a Prometheus that is not there is reported, not a failure; none
// configured runs nothing.
func TestStartBackfill(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/-/ready" {
			fmt.Fprint(w, "Prometheus Server is Ready.")
			return
		}
		end, _ := strconv.ParseFloat(r.FormValue("end"), 64)
		fmt.Fprintf(w, `{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"gpu":"0","stage":"analyze"},"values":[[%.3f,"12"]]}]}}`, end-120)
	}))
	defer srv.Close()
	type line struct {
		text   string
		failed bool
	}
	run := func(cfg config.PrometheusConfig, store *history.Store) []line {
		var wg sync.WaitGroup
		var mu sync.Mutex
		var got []line
		startBackfill(context.Background(), cfg, store, &wg, func(text string, failed bool) {
			mu.Lock()
			defer mu.Unlock()
			got = append(got, line{text, failed})
		})
		wg.Wait()
		return got
	}

	store := history.NewStore()
	got := run(config.PrometheusConfig{Enabled: true, URL: config.SecretURL(srv.URL)}, store)
	if len(got) != 1 || got[0].failed || !strings.Contains(got[0].text, "15 buckets of 5 series filled from 5 values (5 queries") {
		t.Fatalf("report = %+v", got)
	}
	store.Process(snapshot.New(time.Now()))
	if n := filled(store.Series(history.GPUKey(0, history.GPUTemperature), history.Range60m)); n != 1 {
		t.Errorf("60m buckets of the GPU temperature = %d, want 1", n)
	}

	refused := httptest.NewServer(http.NotFoundHandler())
	refused.Close()
	got = run(config.PrometheusConfig{Enabled: true, URL: config.SecretURL(refused.URL)}, history.NewStore())
	if len(got) != 1 || got[0].failed || !strings.Contains(got[0].text, "history backfill from Prometheus skipped: prometheus is not ready: /-/ready:") {
		t.Fatalf("report without Prometheus = %+v", got)
	}
	if got := run(config.PrometheusConfig{Enabled: false, URL: config.SecretURL(srv.URL)}, history.NewStore()); len(got) != 0 {
		t.Fatalf("disabled Prometheus reported %+v", got)
	}
}

func filled(pts []history.Point) int {
	n := 0
	for _, p := range pts {
		if p.Count > 0 {
			n++
		}
	}
	return n
}
