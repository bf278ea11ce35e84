package collector

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"

	"github.com/hsi-top/hsi-top/internal/workers"
)

// pipelining is one client's choice between pipelined requests (connTransport.GetAll)
// and one request per connection: it pipelines until the service has once left a
// pipelined request unanswered (it closed the connection, or sat on the requests queued
// behind the first until the deadline), then asks every request on its own, side by
// side, from then on. The zero value pipelines.
type pipelining struct {
	off atomic.Bool
}

// ask makes n requests. While pipelining, all makes them together and returns each
// one's error, errNotAnswered for one the service did not answer; those are then asked
// again by one(i), side by side, as every request is once pipelining is off, for a
// single request, or when all is nil (requests that cannot be pipelined). errs[i] is
// request i's outcome.
func (p *pipelining) ask(ctx context.Context, n int, all func() []error, one func(i int) error) []error {
	errs := make([]error, n)
	again := make([]int, 0, n)
	if n > 1 && all != nil && !p.off.Load() {
		for i, err := range all() {
			if errors.Is(err, errNotAnswered) {
				p.off.Store(true)
				again = append(again, i)
			} else {
				errs[i] = err
			}
		}
	} else {
		for i := range n {
			again = append(again, i)
		}
	}
	if len(again) == 1 {
		errs[again[0]] = one(again[0])
		return errs
	}
	var wg sync.WaitGroup
	wg.Add(len(again))
	for _, i := range again {
		workers.Go(ctx, func() {
			defer wg.Done()
			errs[i] = one(i)
		})
	}
	wg.Wait()
	return errs
}
