package main

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/hsi-top/hsi-top/collector"
	"github.com/hsi-top/hsi-top/config"
	"github.com/hsi-top/hsi-top/history"
)

// backfillTimeout bounds the start-up backfill from Prometheus, readiness check
// included: a slow Prometheus leaves the charts as the state file left them.
const backfillTimeout = 20 * time.Second

// startBackfill fills the history's empty buckets of the last hour from Prometheus,
// when it is configured, in the background: the first frame never waits for it. It
// runs once, after the state file was read (its buckets stay as they are), within
// backfillTimeout or until ctx ends; wg is done when it has finished. report gets one
// line in words: what was filled, or why nothing was; failed is true when a query or
// the whole backfill failed (a Prometheus that is not there is not a failure).
func startBackfill(ctx context.Context, cfg config.PrometheusConfig, store *history.Store, wg *sync.WaitGroup, report func(line string, failed bool)) {
	if !cfg.Enabled || cfg.URL == "" {
		return
	}
	before := time.Now()
	wg.Add(1)
	go func() {
		defer wg.Done()
		ctx, cancel := context.WithTimeout(ctx, backfillTimeout)
		defer cancel()
		c := collector.NewPromClient(cfg.URL.Value(), backfillTimeout)
		defer c.CloseIdle()
		rep, err := collector.BackfillHistory(ctx, c, store, before)
		switch {
		case errors.Is(err, collector.ErrPrometheusNotReady):
			report("history backfill from Prometheus skipped: "+err.Error(), false)
		case err != nil:
			report(err.Error()+"; the charts keep their gaps", true)
		default:
			report(rep.String(), len(rep.Failed) > 0)
		}
	}()
}
