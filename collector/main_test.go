package collector

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package's tests if any goroutine (an HTTP keep-alive connection,
// a collection, a hostile-server handler) outlives them.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
