package statefile

import (
	"errors"
	"path/filepath"
	"runtime/debug"
	"sync"
	"time"

	"github.com/hsi-top/hsi-top/alerts"
	"github.com/hsi-top/hsi-top/clock"
	"github.com/hsi-top/hsi-top/history"
	"github.com/hsi-top/hsi-top/snapshot"
)

// SaveEvery is how often the state is written while hsi-top runs. A save encodes the
// whole hour (3 ms, BenchmarkSave; 2 MB of garbage handed back at once; an fsync), and a
// crash, the one case the periodic save is for, loses at most this much of the charts;
// a snooze is saved at once (SaveSoon), and a clean stop saves everything (Close).
const SaveEvery = 5 * time.Minute

// Latest gives the newest snapshot (its alert log is saved); *collector.Engine has it.
type Latest interface {
	Latest() *snapshot.Snapshot
}

// Keeper restores the state at start and saves it every SaveEvery, soon after a snooze
// changed (SaveSoon) and at Close, from its own goroutine: a slow disk never holds a
// tick. As a stage of the engine (TickStarted) it applies spooled snooze requests.
type Keeper struct {
	path    string
	store   *history.Store
	snoozes *alerts.SnoozeStore
	clk     clock.Clock

	mu      sync.Mutex
	latest  Latest
	sent    func() []alerts.SentAlert
	lastErr error
	saves   int

	polled time.Time // when TickStarted last looked at the spool (the engine's goroutine only)
	// emptySpool is the spool's modification time when it was last read and held no
	// request (applyRequests; the engine's goroutine only).
	emptySpool time.Time

	soon chan struct{} // a save is wanted now (SaveSoon); buffered, 1
	stop chan struct{}
	done chan struct{}
}

// Restored is what Open read back, for the caller to wire in and report.
type Restored struct {
	// Log is the previous run's alert log, for alerts.NewCarriedLog; Stopped is when it
	// was saved.
	Log     []snapshot.AlertLogEntry
	Stopped time.Time
	// Notified are the previous run's sent alerts, for notify.Options.Sent.
	Notified []alerts.SentAlert
	// Snapshots and Series count what came back into the history store.
	Snapshots, Series int
	// SetAside names where an unreadable file was moved ("" when none was).
	SetAside string
	// Problem is why the file could not be used (nil when it could, or was absent).
	Problem error
}

// Open reads dir's state file into store and snoozes. A missing file gives an empty
// Restored; an unreadable one is set aside and described in Restored.Problem. The
// returned error is only for a file that cannot even be set aside.
func Open(dir string, store *history.Store, snoozes *alerts.SnoozeStore, clk clock.Clock) (*Keeper, Restored, error) {
	if clk == nil {
		clk = clock.Real{}
	}
	k := &Keeper{path: filepath.Join(dir, FileName), store: store, snoozes: snoozes, clk: clk,
		soon: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	var res Restored
	st, err := Read(k.path)
	if err == nil && st != nil {
		if rerr := store.Restore(st.History); rerr != nil {
			err = errors.Join(ErrUnreadable, rerr)
		}
	}
	if err != nil {
		res.Problem = err
		if errors.Is(err, ErrUnreadable) {
			moved, serr := SetAside(k.path, clk.Now())
			if serr != nil {
				return nil, res, serr
			}
			res.SetAside = moved
		}
		return k, res, nil
	}
	if st != nil {
		res.Log, res.Stopped, res.Notified = st.AlertLog, st.Saved, st.Notified
		res.Snapshots, res.Series = len(st.History.Snapshots), len(st.History.Series)
		if snoozes != nil {
			snoozes.Restore(st.Snoozes)
		}
	}
	k.applyRequests() // left while no hsi-top ran
	return k, res, nil
}

// Path is the state file's path.
func (k *Keeper) Path() string { return k.path }

// Start begins saving every SaveEvery; latest gives the alert log to save and sent (nil
// without notifications) the alerts whose raise went out.
func (k *Keeper) Start(latest Latest, sent func() []alerts.SentAlert) {
	k.mu.Lock()
	k.latest, k.sent = latest, sent
	k.mu.Unlock()
	tk := k.clk.NewTicker(SaveEvery)
	go func() {
		defer close(k.done)
		defer tk.Stop()
		for {
			select {
			case <-k.stop:
				return
			case <-tk.C():
			case <-k.soon:
			}
			k.Save()
			// Encoding the state allocates about six times the file's size (2 MB for
			// an hour of history): hand it back to the OS now, or each save leaves a
			// resident spike that the runtime's background scavenger returns only
			// over minutes.
			debug.FreeOSMemory()
		}
	}()
}

// TickStarted is the keeper's work in the engine's tick (collector.TickStarter): at most
// every RequestPoll it applies the requests that `hsi-top snooze` and other hsi-tops
// spooled, before the snoozes mark the tick's alerts. Polling when the tick starts,
// instead of on a ticker of its own, adds no wake-up to the process; the spool is a
// directory of a few small files in the local state directory, read in microseconds.
func (k *Keeper) TickStarted() {
	now := k.clk.Now()
	if !k.polled.IsZero() && now.Sub(k.polled) < RequestPoll {
		return
	}
	k.polled = now
	k.applyRequests()
}

// Process does nothing: the keeper's work in the tick is TickStarted's.
func (k *Keeper) Process(*snapshot.Snapshot) {}

// SaveSoon asks the keeper's goroutine to save now, for a change that must not wait for
// the next periodic save (a snooze). It never blocks; before Start, the save happens
// when Start begins.
func (k *Keeper) SaveSoon() {
	select {
	case k.soon <- struct{}{}:
	default: // one is already asked for
	}
}

// Save writes the state now. Its error is also kept for Err.
func (k *Keeper) Save() error {
	k.mu.Lock()
	latest, sent := k.latest, k.sent
	k.mu.Unlock()
	st := &State{Saved: k.clk.Now().UTC(), History: k.store.Save()}
	if latest != nil {
		if s := latest.Latest(); s != nil {
			st.AlertLog, st.Host = s.AlertLog, s.Hostname
		}
	}
	if k.snoozes != nil {
		st.Snoozes = k.snoozes.List(st.Saved)
	}
	if sent != nil {
		st.Notified = sent()
	}
	err := Write(k.path, st)
	k.mu.Lock()
	defer k.mu.Unlock()
	k.lastErr = err
	if err == nil {
		k.saves++
	}
	return err
}

// Err is the last save's error, nil when it worked.
func (k *Keeper) Err() error {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.lastErr
}

// Close stops the periodic saves and writes the state a last time.
func (k *Keeper) Close() error {
	select {
	case <-k.stop:
		return nil
	default:
	}
	close(k.stop)
	k.mu.Lock()
	started := k.latest != nil
	k.mu.Unlock()
	if !started {
		return nil // nothing ran: keep the file as it is
	}
	<-k.done
	return k.Save()
}
