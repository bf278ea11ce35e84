package notify

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the tests when a delivery goroutine outlives its Notifier.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
