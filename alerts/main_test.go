package alerts

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package's tests when a goroutine (the log file's writer) outlives
// them: every engine with a log file must be closed.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
