package collector

import (
	"fmt"
	"os"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// leakGrace is how long goroutines may take to end after the tests: go-redis's pool,
// once its dials have failed, probes the address from a goroutine that sleeps a second
// between tries and sees the pool closed only when it wakes, longer than goleak's own
// retries wait.
const leakGrace = 3 * time.Second

// TestMain fails the package's tests if any goroutine outlives them by leakGrace.
func TestMain(m *testing.M) {
	code := m.Run()
	if code != 0 {
		os.Exit(code)
	}
	err := goleak.Find()
	for end := time.Now().Add(leakGrace); err != nil && time.Now().Before(end); err = goleak.Find() {
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "goleak: goroutines left %s after the tests: %v\n", leakGrace, err)
		os.Exit(1)
	}
}
