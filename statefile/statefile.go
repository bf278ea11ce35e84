// Package statefile keeps what hsi-top must not forget across a restart: the history
// buckets and snapshots, the alert log and the snoozes. The file is written atomically
// (a temporary file in the same directory, synced, then renamed over the old one), so
// a crash leaves the previous file or the new one, never half of one. A file that is
// corrupt or not hsi-top's is reported and set aside (renamed with a .bad suffix),
// never fatal: hsi-top then starts with an empty history.
package statefile

import (
	"bufio"
	"encoding/gob"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/hsi-top/hsi-top/alerts"
	"github.com/hsi-top/hsi-top/history"
	"github.com/hsi-top/hsi-top/snapshot"
)

// FileName is the state file's name inside the state directory.
const FileName = "state.gob"

// magic starts every state file; a file without it is foreign. The version is bumped
// when State changes in a way gob cannot read across.
const magic = "hsi-top state v1\n"

// State is what the file holds.
type State struct {
	// Saved is when it was written; entries ongoing then are closed at this time.
	Saved    time.Time
	Host     string
	History  history.Saved
	AlertLog []snapshot.AlertLogEntry
	Snoozes  []alerts.Snooze
	// Notified are the active alerts whose raise was sent, so a restart does not send
	// them again.
	Notified []alerts.SentAlert
}

// ErrUnreadable wraps the reason a state file was set aside.
var ErrUnreadable = errors.New("state file unreadable")

// Read reads path. A missing file is (nil, nil). A corrupt or foreign one is an error
// wrapping ErrUnreadable; SetAside moves it out of the way.
func Read(path string) (*State, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := bufio.NewReader(f)
	head := make([]byte, len(magic))
	if _, err := io.ReadFull(r, head); err != nil || string(head) != magic {
		return nil, fmt.Errorf("%w: %s is not an hsi-top state file (it does not start with %q)", ErrUnreadable, path, magic[:len(magic)-1])
	}
	var st State
	if err := gob.NewDecoder(r).Decode(&st); err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrUnreadable, path, err)
	}
	return &st, nil
}

// SetAside renames an unreadable state file to <path>.bad-<time> and returns the new
// name, so that it can be looked at and the next save does not overwrite it.
func SetAside(path string, now time.Time) (string, error) {
	dst := path + ".bad-" + now.UTC().Format("20060102T150405Z")
	if err := os.Rename(path, dst); err != nil {
		return "", fmt.Errorf("setting the state file aside: %w", err)
	}
	return dst, nil
}

// Write stores st at path atomically, creating the directory (0700) if need be.
func Write(path string, st *State) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("state directory: %w", err)
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("state file: %w", err)
	}
	defer os.Remove(tmp.Name()) // after a successful rename there is nothing to remove
	// Streamed: the encoding is never held whole in memory.
	w := bufio.NewWriterSize(tmp, 64<<10)
	w.WriteString(magic)
	if err := gob.NewEncoder(w).Encode(st); err != nil {
		tmp.Close()
		return fmt.Errorf("encoding the state into %s: %w", tmp.Name(), err)
	}
	if err := w.Flush(); err != nil {
		tmp.Close()
		return fmt.Errorf("writing %s: %w", tmp.Name(), err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("syncing %s: %w", tmp.Name(), err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("closing %s: %w", tmp.Name(), err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("replacing %s: %w", path, err)
	}
	if d, err := os.Open(dir); err == nil { // make the rename itself durable
		d.Sync()
		d.Close()
	}
	return nil
}
