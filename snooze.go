package main

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/hsi-top/hsi-top/alerts"
	"github.com/hsi-top/hsi-top/config"
	"github.com/hsi-top/hsi-top/snapshot"
	"github.com/hsi-top/hsi-top/statefile"
)

// runSnooze is `hsi-top snooze`: it leaves a request in the state directory's spool for
// the hsi-top that owns it (a --serve service, or the dashboard), which applies it within
// statefile.RequestPoll, or at its next start when none runs. Without arguments it lists
// the snoozes as last saved and the requests not yet applied.
func runSnooze(cfg config.Config, args []string, now time.Time, stdout, stderr io.Writer) int {
	dir, err := cfg.StateDirectory()
	if err != nil {
		fmt.Fprintf(stderr, "hsi-top: snooze: %v\n", err)
		return exitUnknown
	}
	if len(args) == 0 {
		return listSnoozes(dir, now, stdout, stderr)
	}
	req, err := snoozeRequest(cfg, args, now)
	if err != nil {
		fmt.Fprintf(stderr, "hsi-top: snooze: %v\n", err)
		return exitUnknown
	}
	if err := statefile.Submit(dir, req); err != nil {
		fmt.Fprintf(stderr, "hsi-top: snooze: %v\n", err)
		return exitUnknown
	}
	when := "within " + statefile.RequestPoll.String() + " by the running hsi-top"
	if l, err := statefile.TryLock(dir); err == nil {
		l.Release()
		when = "when hsi-top next starts (none runs on " + dir + " now)"
	}
	fmt.Fprintf(stdout, "%s: %s; applied %s\n", target(req.Metric, req.Object), describe(req), when)
	return exitOK
}

// snoozeRequest reads RULE[:OBJECT] and DURATION|ack|off.
func snoozeRequest(cfg config.Config, args []string, now time.Time) (statefile.Request, error) {
	if len(args) != 2 {
		return statefile.Request{}, usageError{"usage: hsi-top snooze RULE[:OBJECT] DURATION|ack|off (for example: hsi-top snooze host_disk:/recordings 2h)"}
	}
	metric, object, _ := strings.Cut(args[0], ":")
	known := false
	for _, nr := range cfg.Alerts.Rules.List() {
		known = known || nr.Metric == metric
	}
	if !known {
		return statefile.Request{}, fmt.Errorf("%q is not a rule name (see alerts.rules in hsi-top config)", metric)
	}
	if object == "" {
		object = alerts.AnyObject
	}
	r := statefile.Request{Metric: snapshot.AlertMetric(metric), Object: object, At: now.UTC()}
	switch args[1] {
	case statefile.ActionAck, statefile.ActionOff:
		r.Action = args[1]
	default:
		d, err := time.ParseDuration(args[1])
		if err != nil || d < time.Minute || d > 30*24*time.Hour {
			return r, fmt.Errorf("%q is neither ack, off nor a duration from 1m to 720h (30m, 2h, 24h)", args[1])
		}
		r.Action, r.For = statefile.ActionSnooze, d
	}
	return r, nil
}

func listSnoozes(dir string, now time.Time, stdout, stderr io.Writer) int {
	st, err := statefile.Read(filepath.Join(dir, statefile.FileName))
	if err != nil && !errors.Is(err, statefile.ErrUnreadable) {
		fmt.Fprintf(stderr, "hsi-top: snooze: %v\n", err)
		return exitUnknown
	}
	n := 0
	if st != nil {
		for _, s := range st.Snoozes {
			if s.Until != nil && !now.Before(s.Until.Time) {
				continue
			}
			n++
			what := "acknowledged (until it clears)"
			if s.Until != nil {
				what = "snoozed until " + s.Until.Format(time.RFC3339)
			}
			fmt.Fprintf(stdout, "%s: %s\n", target(s.Metric, s.Object), what)
		}
	}
	pending, _ := statefile.Pending(dir)
	for _, r := range pending {
		n++
		fmt.Fprintf(stdout, "%s: %s (requested, not applied yet)\n", target(r.Metric, r.Object), describe(r))
	}
	if n == 0 {
		fmt.Fprintln(stdout, "no snoozes")
	}
	return exitOK
}

func target(m snapshot.AlertMetric, object string) string {
	if object == alerts.AnyObject {
		return string(m)
	}
	return string(m) + ":" + object
}

func describe(r statefile.Request) string {
	switch r.Action {
	case statefile.ActionAck:
		return "acknowledged (silent until it clears)"
	case statefile.ActionOff:
		return "snooze ended"
	}
	return "snoozed until " + r.At.Add(r.For).Format(time.RFC3339)
}
