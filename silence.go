package main

import (
	"github.com/hsi-top/hsi-top/alerts"
	"github.com/hsi-top/hsi-top/statefile"
	"github.com/hsi-top/hsi-top/tui"
)

// dashboardSilence carries out the alert log's s, A and u keys (tui.Options.Silence)
// through watch.silence: the same store and spool as `hsi-top snooze`, so every channel
// honours it and the state file keeps it. u also ends a snooze of the alert's whole
// rule (hsi-top snooze RULE), which the log shows on the alert as well.
func (w *watch) dashboardSilence(r tui.SilenceRequest) error {
	req := statefile.Request{Metric: r.Metric, Object: r.Object, At: r.At.UTC()}
	switch r.Action {
	case tui.SilenceSnooze:
		req.Action, req.For = statefile.ActionSnooze, r.For
	case tui.SilenceAck:
		req.Action = statefile.ActionAck
	default:
		req.Action = statefile.ActionOff
		if err := w.silence(req); err != nil {
			return err
		}
		req.Object = alerts.AnyObject
	}
	return w.silence(req)
}
