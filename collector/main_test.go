package collector

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package's tests when a goroutine outlives them: every pool, HTTP
// client and test server must be closed.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
