package main

import (
	"fmt"
	"io"

	"github.com/hsi-top/hsi-top/alerts"
	"github.com/hsi-top/hsi-top/collector"
	"github.com/hsi-top/hsi-top/config"
)

// The engine wiring every mode uses (the dashboard, --serve, --once, demo).

// newEngine wires the configured sources into an engine. Every snapshot passes the
// sources' own stages (container timelines), then the alert rules, then the extra stages
// (history), so that what history keeps already carries its alerts.
func newEngine(cfg config.Config, extra ...collector.Stage) (*collector.Engine, *collector.Built, error) {
	built := collector.Build(cfg)
	addDemoSources(built) // hsi-top demo only
	rules := alerts.NewEngine(cfg.Alerts, alerts.Options{Interval: cfg.Interval.D()})
	// Closing the rules flushes the alert log file; a failure to write it is reported
	// when hsi-top exits (alerting itself never stopped for it).
	built.AddCloser(closerFunc(func() error {
		err := rules.Close()
		if ferr := rules.Err(); ferr != nil {
			return ferr
		}
		return err
	}))
	stages := append(append([]collector.Stage{}, built.Stages...), rules)
	stages = append(stages, extra...)
	if recording != nil { // --record: last, after the history, on complete snapshots
		stages = append(stages, recording)
	}
	eng, err := collector.NewEngine(collector.Options{
		Interval: cfg.Interval.D(),
		Timeout:  built.Timeouts.Source,
		Prepare:  built.Prepare,
		Stages:   stages,
		GPUIndex: built.GPUIndex,
	}, built.Sources...)
	if err != nil {
		built.Close()
		return nil, nil, err
	}
	return eng, built, nil
}

type closerFunc func() error

func (f closerFunc) Close() error { return f() }

// closeBuilt releases the sources and reports what went wrong on the way.
func closeBuilt(b *collector.Built, stderr io.Writer) {
	if err := b.Close(); err != nil {
		fmt.Fprintf(stderr, "hsi-top: %v\n", err)
	}
}
