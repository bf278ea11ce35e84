package main

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"

	"github.com/hsi-top/hsi-top/alerts"
	"github.com/hsi-top/hsi-top/collector"
	"github.com/hsi-top/hsi-top/config"
	"github.com/hsi-top/hsi-top/history"
	"github.com/hsi-top/hsi-top/notify"
	"github.com/hsi-top/hsi-top/statefile"
)

// watch is what a long-running hsi-top (--serve, the dashboard) adds to the engine:
// the state file that brings history, the alert log and the snoozes back after a
// restart, and the notification channels.
type watch struct {
	lock     *statefile.Lock // nil when this process does not own the state directory
	dir      string          // the state directory, "" when there is none
	keeper   *statefile.Keeper
	notifier *notify.Notifier
	snoozes  *alerts.SnoozeStore
	carried  *alerts.CarriedLog
	sent     []alerts.SentAlert // the previous run's, for the notifier
	stderr   io.Writer
}

// startWatch reads the state file into store and starts the notification channels.
// One process owns a state directory (a lock): it saves the state and notifies. Another
// hsi-top on the same directory (the dashboard beside a --serve service) shows the
// owner's history and log as they were at its start but neither saves nor notifies, so
// nothing is sent twice. An unusable state file or directory is reported on stderr and
// never stops hsi-top; a notification channel that cannot be set up is an error.
func startWatch(cfg config.Config, store *history.Store, stderr io.Writer) (*watch, error) {
	w := &watch{snoozes: alerts.NewSnoozeStore(), stderr: stderr}
	dir, err := cfg.StateDirectory()
	if err == nil {
		w.dir = dir
		w.lock, err = statefile.TryLock(dir)
	}
	switch {
	case errors.Is(err, statefile.ErrLocked):
		fmt.Fprintf(stderr, "hsi-top: %v: showing its history, but this process neither saves it nor sends notifications\n", err)
		w.readOnly(dir, store)
		return w, nil
	case err != nil:
		fmt.Fprintf(stderr, "hsi-top: %v; history and the alert log will not survive a restart\n", err)
	default:
		w.open(dir, store)
	}
	if notify.Enabled(cfg.Notify) {
		n, err := notify.New(cfg, notify.Options{Version: readBuildVersion().Version, Snoozes: w.snoozes, Sent: w.sent})
		if err != nil {
			return nil, fmt.Errorf("notify: %w", err)
		}
		w.notifier = n
	}
	return w, nil
}

// open restores dir's state as its owner: it saves from now on.
func (w *watch) open(dir string, store *history.Store) {
	k, res, err := statefile.Open(dir, store, w.snoozes, nil)
	switch {
	case err != nil:
		fmt.Fprintf(w.stderr, "hsi-top: %v; history and the alert log will not survive a restart\n", err)
		return
	case res.Problem != nil:
		fmt.Fprintf(w.stderr, "hsi-top: %v; starting with an empty history (the file was moved to %s)\n", res.Problem, res.SetAside)
	case len(res.Log) > 0:
		w.carried = alerts.NewCarriedLog(res.Log, res.Stopped)
	}
	w.keeper, w.sent = k, res.Notified
}

// readOnly shows the owner's saved history and log without taking the file over.
func (w *watch) readOnly(dir string, store *history.Store) {
	st, err := statefile.Read(filepath.Join(dir, statefile.FileName))
	if err != nil || st == nil {
		return
	}
	w.snoozes.Restore(st.Snoozes) // shown in the alert log; the owner applies them
	if store.Restore(st.History) == nil && len(st.AlertLog) > 0 {
		w.carried = alerts.NewCarriedLog(st.AlertLog, st.Saved)
	}
}

// stages are the engine's extra stages, in order: the previous run's alert log, the
// spooled snooze requests (when this process owns the state directory), the
// notifications, the snoozes' marks on the active alerts, then store (last, so it keeps
// complete snapshots).
func (w *watch) stages(store *history.Store) []collector.Stage {
	var out []collector.Stage
	if w.carried != nil {
		out = append(out, w.carried)
	}
	if w.keeper != nil {
		out = append(out, w.keeper) // the spooled snooze requests, before they are used
	}
	if w.notifier != nil {
		out = append(out, w.notifier)
	}
	return append(out, collector.StageFunc(w.snoozes.Mark), store)
}

// silence carries out a snooze, acknowledgement or unsnooze from the dashboard's keys:
// in this process's store (the notifier's, saved with the state when this process owns
// the directory), and, when another hsi-top owns the directory, also through its spool
// as `hsi-top snooze` does, so that its channels honour it within statefile.RequestPoll.
// Without a state directory it lasts until this process exits.
func (w *watch) silence(r statefile.Request) error {
	statefile.Apply(w.snoozes, r)
	if w.keeper != nil {
		w.keeper.SaveSoon() // this process owns the directory: the snooze outlives a crash
	}
	if w.lock != nil || w.dir == "" {
		return nil
	}
	if err := statefile.Submit(w.dir, r); err != nil {
		return fmt.Errorf("the hsi-top that owns %s was not told: %w", w.dir, err)
	}
	return nil
}

// run starts the periodic saves once the engine exists.
func (w *watch) run(latest statefile.Latest) {
	if w.keeper == nil {
		return
	}
	var sent func() []alerts.SentAlert
	if w.notifier != nil {
		sent = w.notifier.Sent
	}
	w.keeper.Start(latest, sent)
}

// close stops the channels and saves the state a last time, after the engine stopped.
func (w *watch) close() {
	if w.notifier != nil {
		if err := w.notifier.Close(); err != nil {
			fmt.Fprintf(w.stderr, "hsi-top: notify: %v\n", err)
		}
	}
	if w.keeper != nil {
		if err := w.keeper.Close(); err != nil {
			fmt.Fprintf(w.stderr, "hsi-top: saving the state: %v\n", err)
		}
	}
	w.lock.Release()
}
