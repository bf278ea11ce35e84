//go:build !unix

package statefile

import "errors"

// Lock is a no-op where flock(2) does not exist: every process owns the directory.
type Lock struct{}

// LockName is the lock file inside the state directory.
const LockName = "state.lock"

// ErrLocked says another hsi-top holds the state directory.
var ErrLocked = errors.New("another hsi-top keeps this state directory")

// TryLock always succeeds here.
func TryLock(dir string) (*Lock, error) { return &Lock{}, nil }

// Release does nothing.
func (l *Lock) Release() error { return nil }
