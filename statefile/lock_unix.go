//go:build unix

package statefile

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// Lock is the state directory's owner lock: the one process that saves the state and
// sends the notifications. It is an flock(2) on LockName, released when the process
// ends, however it ends.
type Lock struct{ f *os.File }

// LockName is the lock file inside the state directory.
const LockName = "state.lock"

// ErrLocked says another hsi-top holds the state directory.
var ErrLocked = errors.New("another hsi-top keeps this state directory")

// TryLock takes dir's lock without waiting: ErrLocked when another process has it.
func TryLock(dir string) (*Lock, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("state directory: %w", err)
	}
	f, err := os.OpenFile(filepath.Join(dir, LockName), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("state lock: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("%w (%s)", ErrLocked, dir)
		}
		return nil, fmt.Errorf("state lock: %w", err)
	}
	return &Lock{f: f}, nil
}

// Release gives the lock up.
func (l *Lock) Release() error {
	if l == nil {
		return nil
	}
	return l.f.Close()
}
